#!/bin/sh
# Installs the node modules of t/oidc (the test OpenID Connect provider:
# oidc-provider, pinned with its whole tree in t/oidc/package-lock.json)
# with `npm ci`. t/live/30_oidc.t calls it when t/oidc/node_modules is
# missing or older than the lock file; it also works ahead of time, as root
# before build/test.sh copies the tree (the copy then carries the modules).
#
#   build/oidc-deps.sh        install if needed; exit 0 when ready
#
# Needs node and npm (build/deps.sh installs them) and the npm registry.
# Runs as any user who may write t/oidc: the npm cache goes to $HOME/.npm,
# or to t/oidc/.npm-cache when there is no writable home.
set -eu
dir=$(cd "$(dirname "$0")/../t/oidc" && pwd)
say() { printf 'oidc-deps: %s\n' "$*" >&2; }

command -v node >/dev/null 2>&1 || { say "node is missing (build/deps.sh installs it)"; exit 1; }
command -v npm >/dev/null 2>&1 || { say "npm is missing (build/deps.sh installs it)"; exit 1; }

stamp="$dir/node_modules/.package-lock.json"
ready() {
    [ -f "$stamp" ] && [ ! "$dir/package-lock.json" -nt "$stamp" ] &&
        (cd "$dir" && node --input-type=module -e "await import('oidc-provider')") >/dev/null 2>&1
}
ready && exit 0

if [ -z "${npm_config_cache:-}" ]; then
    if [ -n "${HOME:-}" ] && [ -d "$HOME" ] && [ -w "$HOME" ]; then
        npm_config_cache="$HOME/.npm"
    else
        npm_config_cache="$dir/.npm-cache"
    fi
    export npm_config_cache
fi
say "npm ci in $dir (cache $npm_config_cache)"
cd "$dir"
# No lifecycle scripts: nothing in the tree needs one.
timeout 600 npm ci --no-audit --no-fund --ignore-scripts --update-notifier=false --loglevel=warn >&2 ||
    { say "npm ci failed"; exit 1; }
ready || { say "oidc-provider does not load after npm ci"; exit 1; }
say "ready ($(node -p "require('./node_modules/oidc-provider/package.json').version") on node $(node --version))"
