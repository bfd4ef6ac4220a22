# How mod_bbwww is compiled and installed with apxs.
APXS      ?= /usr/bin/apxs
MODULE_SRC = $(sort $(wildcard mod_bbwww/*.c))
MODULE_SO  = mod_bbwww/.libs/mod_bbwww.so
BBW_CFLAGS = -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter -O2 -g
# librsvg/cairo draw badge PNGs; FreeType measures badge text.
BBW_PKGS   = librsvg-2.0 cairo freetype2
BBW_PKG_INCLUDES := $(filter -I%,$(shell pkg-config --cflags $(BBW_PKGS) 2>/dev/null))
BBW_LIBS   = -ljansson -lz -lbz2 -llz4 -lcrypto -lsqlite3 -lpq -lldap -llber -lcurl -lpcre2-8 \
             $(shell pkg-config --libs $(BBW_PKGS) 2>/dev/null)

# BBW_SANITIZE=1 (make test-asan): the module instrumented by ASan and UBSan.
# httpd itself is not, so it must run with the ASan runtime preloaded
# (build/sanitize-httpd). The flags are recorded in mod_bbwww/build.flags:
# switching between the two builds recompiles everything.
ifeq ($(BBW_SANITIZE),1)
BBW_CFLAGS += -O1 -fsanitize=address,undefined -fno-omit-frame-pointer
BBW_LIBS   += -lasan -lubsan
endif
BBW_FLAGS_FILE = mod_bbwww/build.flags
BBW_FLAGS_NOW  = $(BBW_CFLAGS) $(BBW_LIBS)
ifneq ($(BBW_FLAGS_NOW),$(shell cat $(BBW_FLAGS_FILE) 2>/dev/null))
$(shell echo '$(BBW_FLAGS_NOW)' >$(BBW_FLAGS_FILE))
endif

$(MODULE_SO): $(MODULE_SRC) $(wildcard mod_bbwww/*.h) apxs.mk $(BBW_FLAGS_FILE)
	cd mod_bbwww && $(APXS) -c -o mod_bbwww.la \
	  $(foreach f,$(BBW_CFLAGS),-Wc,$(f)) -I/usr/include/postgresql $(BBW_PKG_INCLUDES) \
	  $(notdir $(MODULE_SRC)) $(BBW_LIBS) >build.log 2>&1 || { cat build.log; exit 1; }
	@grep -E ': (warning|error):' mod_bbwww/build.log || true

module: $(MODULE_SO)

install-module: $(MODULE_SO)
	$(APXS) -i -n bbwww mod_bbwww/mod_bbwww.la
	install -m 644 conf/bbwww.load conf/bbwww.conf /etc/apache2/mods-available/

clean-module:
	rm -rf mod_bbwww/.libs mod_bbwww/*.la mod_bbwww/*.lo mod_bbwww/*.o mod_bbwww/*.slo mod_bbwww/build.log $(BBW_FLAGS_FILE)

# Unit tests of the httpd-free core (JSON writer, query language, router,
# CORS), built and run by `make unit` and by `make test`.
UNIT_CORE = mod_bbwww/bbw_json.c mod_bbwww/bbw_query.c mod_bbwww/bbw_router.c mod_bbwww/bbw_cors.c
t/unit/unit_core: t/unit/unit_core.c t/unit/tap.h $(UNIT_CORE) $(wildcard mod_bbwww/*.h)
	$(CC) -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter -g -O1 \
	  -fsanitize=address,undefined -fno-omit-frame-pointer -D_GNU_SOURCE \
	  -Imod_bbwww $$(apr-1-config --includes --cppflags) -o $@ \
	  t/unit/unit_core.c $(UNIT_CORE) $$(apr-1-config --link-ld) -laprutil-1 -ljansson


t/unit/unit_logchunk: t/unit/unit_logchunk.c t/unit/tap.h mod_bbwww/bbw_logchunk.c mod_bbwww/bbw_json.c $(wildcard mod_bbwww/*.h)
	$(CC) -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter -g -O1 \
	  -fsanitize=address,undefined -fno-omit-frame-pointer -D_GNU_SOURCE \
	  -Imod_bbwww $$(apr-1-config --includes --cppflags) -o $@ \
	  t/unit/unit_logchunk.c mod_bbwww/bbw_logchunk.c mod_bbwww/bbw_json.c \
	  $$(apr-1-config --link-ld) -laprutil-1 -ljansson -lz -lbz2 -llz4

t/unit/unit_authz: t/unit/unit_authz.c t/unit/tap.h mod_bbwww/bbw_authz.c mod_bbwww/bbw_authz.h
	$(CC) -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter -g -O1 \
	  -fsanitize=address,undefined -fno-omit-frame-pointer -D_GNU_SOURCE \
	  -Imod_bbwww $$(apr-1-config --includes --cppflags) -o $@ \
	  t/unit/unit_authz.c mod_bbwww/bbw_authz.c \
	  $$(apr-1-config --link-ld) -ljansson -lpcre2-8

t/unit/unit_pyjson: t/unit/unit_pyjson.c t/unit/tap.h mod_bbwww/bbw_pyjson.c mod_bbwww/bbw_pyjson.h
	$(CC) -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter -g -O1 \
	  -fsanitize=address,undefined -fno-omit-frame-pointer -D_GNU_SOURCE \
	  -Imod_bbwww $$(apr-1-config --includes --cppflags) -o $@ \
	  t/unit/unit_pyjson.c mod_bbwww/bbw_pyjson.c $$(apr-1-config --link-ld)

t/unit/unit_badges: t/unit/unit_badges.c t/unit/tap.h mod_bbwww/bbw_badge_svg.c mod_bbwww/bbw_badge_svg.h mod_bbwww/bbw_json.c mod_bbwww/bbw_json.h
	$(CC) -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter -g -O1 \
	  -fsanitize=address,undefined -fno-omit-frame-pointer -D_GNU_SOURCE \
	  -Imod_bbwww $$(apr-1-config --includes --cppflags) $$(pkg-config --cflags $(BBW_PKGS)) -o $@ \
	  t/unit/unit_badges.c mod_bbwww/bbw_badge_svg.c mod_bbwww/bbw_json.c \
	  $$(apr-1-config --link-ld) -ljansson $$(pkg-config --libs $(BBW_PKGS)) -lm

t/unit/unit_hooks: t/unit/unit_hooks.c t/unit/tap.h mod_bbwww/bbw_hook_verify.c mod_bbwww/bbw_hook_verify.h mod_bbwww/bbw_query.c
	$(CC) -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter -g -O1 \
	  -fsanitize=address,undefined -fno-omit-frame-pointer -D_GNU_SOURCE \
	  -Imod_bbwww $$(apr-1-config --includes --cppflags) -o $@ \
	  t/unit/unit_hooks.c mod_bbwww/bbw_hook_verify.c mod_bbwww/bbw_query.c \
	  $$(apr-1-config --link-ld) -laprutil-1 -ljansson -lcrypto

unit: t/unit/unit_core t/unit/unit_logchunk t/unit/unit_authz t/unit/unit_pyjson t/unit/unit_badges t/unit/unit_hooks
	t/unit/unit_core
	t/unit/unit_logchunk
	t/unit/unit_authz
	t/unit/unit_pyjson
	t/unit/unit_badges
	t/unit/unit_hooks
