# mod_bbwww: `make`, `make test`, `make test-asan`, `make demo`, `make demo-stop`,
# `make bench`.
include apxs.mk

.PHONY: all install test test-asan demo demo-stop bench clean deps unit
all: module

deps:
	build/deps.sh

install: deps install-module

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
	rm -rf t/unit/unit_core t/unit/unit_logchunk t/unit/unit_authz t/unit/unit_pyjson t/logs t/htdocs/index.html t/conf/httpd.conf t/conf/apache_test_config.pm t/conf/extra.conf t/conf/modperl_inc.pl t/conf/modperl_startup.pl
