# mod_bbwww: `make`, `make test`, `make test-asan`, `make demo`, `make demo-stop`,
# `make bench`.
include apxs.mk

# Where `make install` puts the UI app (mod_bbwww's default BuildbotUI).
BBW_HTDOCS ?= /usr/share/mod_bbwww/htdocs

.PHONY: all install install-htdocs test test-asan demo demo-stop bench clean deps unit
all: module

deps:
	build/deps.sh

install: deps install-module install-htdocs

# The app's files, replacing an older copy; dotfiles stay out.
install-htdocs:
	rm -rf $(DESTDIR)$(BBW_HTDOCS)
	mkdir -p $(DESTDIR)$(BBW_HTDOCS)
	cd htdocs && find . -type f ! -path '*/.*' -exec install -m 644 -D {} $(DESTDIR)$(BBW_HTDOCS)/{} \;

test:
	build/test.sh

# The same suite with the module built with ASan/UBSan (see build/test.sh).
test-asan:
	BBW_SANITIZE=1 build/test.sh

demo:
	build/demo.sh start

demo-stop:
	build/demo.sh stop

bench:
	build/bench.sh

clean: clean-module
	rm -rf t/unit/unit_core t/unit/unit_logchunk t/unit/unit_authz t/unit/unit_pyjson t/unit/unit_badges t/logs t/htdocs/index.html t/conf/httpd.conf t/conf/apache_test_config.pm t/conf/extra.conf t/conf/modperl_inc.pl t/conf/modperl_startup.pl
