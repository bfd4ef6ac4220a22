# Placeholder "base" web UI for Debian's buildbot master, which ships none.
# The master only starts its web server (REST API included) when some package
# registers a `base` entry point in the `buildbot.www` group; this one does, and
# serves a single static page. Used as the reference (oracle) master for
# mod_bbwww tests and by the demo.
from buildbot.www.plugin import Application

ep = Application(__name__, "mod_bbwww stand-in UI (REST API only)")
