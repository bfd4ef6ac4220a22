#!/bin/bash
# What `make test` runs: the Apache::Test suite (t/api/*.t) against fixture
# databases on both engines, SQLite and PostgreSQL.
#
#   build/test.sh [TEST.PL arguments, e.g. t/api/10_builders.t]
#
# Steps: Debian dependencies (build/deps.sh), the module (`make`), then, as an
# unprivileged user (Apache::Test refuses root): a private PostgreSQL cluster
# on 127.0.0.1, one fixture database per engine (build/mkdb.sh), and one run
# of t/TEST.PL per engine. PostgreSQL and httpd are always stopped at the end.
# Exit status 0 only when every step and every test passed.
#
# Environment: BBW_TEST_USER (bbwtest), BBW_TEST_SCRATCH (/tmp/bbwww-test,
# the copy of the tree that the unprivileged user owns when run as root),
# BBW_TEST_PGPORT (54329), BBW_TEST_ENGINES ("sqlite pgsql"), BBW_SANITIZE
# (1 for `make test-asan`: the module built with ASan/UBSan, httpd started by
# build/sanitize-httpd, and any sanitizer report in work/test/asan-<engine>.*
# fails the run; BBW_APR_LIBDIR optionally names a pool-debug libapr, see
# build/sanitize-httpd).
set -u -o pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
test_user=${BBW_TEST_USER:-bbwtest}
scratch=${BBW_TEST_SCRATCH:-/tmp/bbwww-test}
pg_port=${BBW_TEST_PGPORT:-54329}
pg_bin=/usr/lib/postgresql/15/bin
ldap_port=${BBW_TEST_LDAPPORT:-54389}
live_web=${BBW_TEST_LIVE_WEBPORT:-8661}
live_pb=${BBW_TEST_LIVE_PBPORT:-9661}
engines=${BBW_TEST_ENGINES:-sqlite pgsql}
sanitize=${BBW_SANITIZE:-0}
suite_timeout=300

say() { printf 'test.sh: %s\n' "$*"; }
die() { printf 'test.sh: FAILED: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------- outer part
# As the invoking user (root in CI): dependencies, build, then hand over.
outer() {
    local rc
    export BBW_TEST_STARTED=${BBW_TEST_STARTED:-$(date +%s)}
    "$top/build/deps.sh" || die "build/deps.sh"
    if [ "$sanitize" = 1 ]; then
        make -C "$top" BBW_SANITIZE=1 || die "make BBW_SANITIZE=1"
    else
        make -C "$top" || die "make"
    fi
    mkdir -p "$top/work"
    # npm packages of the browser tests and the test OpenID provider, before
    # the copy (the copy carries them; the test user needs no npm cache).
    "$top/build/browser-deps.sh" || die "build/browser-deps.sh"
    "$top/build/oidc-deps.sh" || die "build/oidc-deps.sh"
    say "unit tests of the httpd-free core (ASan/UBSan)"
    make -s -C "$top" unit >"$top/work/unit.tap" 2>&1 || { cat "$top/work/unit.tap"; die "make unit"; }
    say "unit: $(grep -c '^ok' "$top/work/unit.tap") passed"

    if [ "$(id -u)" != 0 ]; then
        bash "$top/build/test.sh" --inner "$@"
        rc=$?
    else
        id -u "$test_user" >/dev/null 2>&1 ||
            useradd --system --no-create-home --shell /bin/sh "$test_user" ||
            die "cannot create user $test_user"
        say "copying the tree to $scratch for user $test_user"
        # An httpd left by an interrupted run still holds its ports.
        if [ -s "$scratch/t/logs/httpd.pid" ]; then
            kill -TERM "$(cat "$scratch/t/logs/httpd.pid")" 2>/dev/null && sleep 1
        fi
        rm -rf "$scratch" && mkdir -p "$scratch" || die "cannot create $scratch"
        tar -C "$top" --exclude=./work --exclude=./.git -cf - . |
            tar -C "$scratch" -xf - || die "cannot copy the tree"
        chown -R "$test_user:" "$scratch" || die "cannot chown $scratch"
        runuser -u "$test_user" -- env HOME="$scratch" USER="$test_user" \
            LOGNAME="$test_user" BBW_TEST_STARTED="$BBW_TEST_STARTED" \
            BBW_SANITIZE="$sanitize" \
            bash "$scratch/build/test.sh" --inner "$@"
        rc=$?
    fi
    exit "$rc"
}

# ---------------------------------------------------------------- inner part
pg_dir=""

stop_httpd() {
    local pidfile="$top/t/logs/httpd.pid" pid i
    [ -s "$pidfile" ] || return 0
    pid=$(cat "$pidfile")
    kill -0 "$pid" 2>/dev/null || return 0
    say "stopping httpd (pid $pid)"
    kill -TERM "$pid" 2>/dev/null
    for i in $(seq 50); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null
}

stop_postgres() {
    [ -n "$pg_dir" ] || return 0
    if [ -f "$pg_dir/data/postmaster.pid" ]; then
        say "stopping PostgreSQL"
        "$pg_bin/pg_ctl" -D "$pg_dir/data" -m fast -w -t 30 stop >/dev/null 2>&1 ||
            "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1
    fi
    rm -rf "$pg_dir"
    pg_dir=""
}

live_dir=""
slapd_dir=""

# The real master + worker of t/live/*.t, on a database of their own.
start_live_master() {
    live_dir="$top/work/test/live"
    "$top/build/master.sh" stop "$live_dir/master" >/dev/null 2>&1
    "$top/build/master.sh" worker-stop "$live_dir/worker" >/dev/null 2>&1
    rm -rf "$live_dir" && mkdir -p "$live_dir" || die "mkdir $live_dir"
    say "live master: web 127.0.0.1:$live_web, pb 127.0.0.1:$live_pb"
    "$top/build/master.sh" create "$live_dir/master" "sqlite:///$live_dir/state.sqlite" \
        "$live_web" "$live_pb" >"$live_dir/setup.log" 2>&1 &&
        cp "$top/t/live/master-extra.cfg" "$live_dir/master/extra.cfg" &&
        "$top/build/master.sh" start "$live_dir/master" >>"$live_dir/setup.log" 2>&1 &&
        "$top/build/master.sh" worker-create "$live_dir/worker" "$live_pb" live-worker \
            live-worker-pass >>"$live_dir/setup.log" 2>&1 &&
        "$top/build/master.sh" worker-start "$live_dir/worker" >>"$live_dir/setup.log" 2>&1 ||
        { cat "$live_dir/setup.log"; die "the live master did not start"; }
    export BBW_LIVE_DB="$live_dir/state.sqlite" BBW_MASTER_PORT="$live_web"
}

stop_live_master() {
    [ -n "$live_dir" ] || return 0
    "$top/build/master.sh" worker-stop "$live_dir/worker" >/dev/null 2>&1
    "$top/build/master.sh" stop "$live_dir/master" >/dev/null 2>&1
    live_dir=""
}

start_slapd() {
    slapd_dir="$top/work/test/slapd"
    "$top/build/slapd.sh" stop "$slapd_dir" >/dev/null 2>&1
    "$top/build/slapd.sh" start "$slapd_dir" "$ldap_port" >"$top/work/test/slapd.log" 2>&1 ||
        { cat "$top/work/test/slapd.log"; die "slapd did not start"; }
    export BBW_LDAP_PORT="$ldap_port"
}

stop_slapd() {
    [ -n "$slapd_dir" ] || return 0
    "$top/build/slapd.sh" stop "$slapd_dir" >/dev/null 2>&1
    slapd_dir=""
}

cleanup() {
    stop_httpd
    stop_live_master
    stop_slapd
    stop_postgres
}

start_postgres() {
    local old
    # A cluster of ours left by an interrupted run (no trap ran): stop it.
    for old in /tmp/bbw-pg.*/data; do
        [ -O "$old" ] && [ -f "$old/postmaster.pid" ] || continue
        say "stopping a PostgreSQL cluster left in ${old%/data}"
        "$pg_bin/pg_ctl" -D "$old" -m immediate stop >/dev/null 2>&1
        rm -rf "${old%/data}"
    done
    if "$pg_bin/pg_isready" -q -h 127.0.0.1 -p "$pg_port" >/dev/null 2>&1; then
        die "something already listens on 127.0.0.1:$pg_port (set BBW_TEST_PGPORT)"
    fi
    pg_dir=$(mktemp -d /tmp/bbw-pg.XXXXXX) || die "mktemp"
    # C.UTF-8 collation compares bytes, as SQLite does, so string ordering
    # pushed down to SQL is the same on both engines.
    "$pg_bin/initdb" -D "$pg_dir/data" -A trust -U postgres -E UTF8 \
        --locale=C.UTF-8 --no-sync >"$pg_dir/initdb.log" 2>&1 ||
        { cat "$pg_dir/initdb.log"; die "initdb"; }
    "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/postgres.log" -w -t 60 \
        -o "-p $pg_port -k $pg_dir -c listen_addresses=127.0.0.1 -c fsync=off" \
        start >/dev/null ||
        { cat "$pg_dir/postgres.log"; die "PostgreSQL did not start"; }
    "$pg_bin/createdb" -h 127.0.0.1 -p "$pg_port" -U postgres bbw ||
        die "createdb bbw"
}

make_fixtures() {
    local sqlite="$top/work/test/state.sqlite"
    [ -x "$top/build/mkdb.sh" ] || die "build/mkdb.sh is missing"
    rm -f "$sqlite" "$sqlite-wal" "$sqlite-shm" "$sqlite-journal"
    case " $engines " in *" sqlite "*)
        say "fixture: sqlite:///$sqlite"
        "$top/build/mkdb.sh" "sqlite:///$sqlite" >"$top/work/test/mkdb-sqlite.log" 2>&1 ||
            { tail -n 40 "$top/work/test/mkdb-sqlite.log"; die "build/mkdb.sh (SQLite)"; }
    esac
    case " $engines " in *" pgsql "*)
        say "fixture: postgresql://postgres@127.0.0.1:$pg_port/bbw"
        "$top/build/mkdb.sh" "postgresql://postgres@127.0.0.1:$pg_port/bbw" \
            >"$top/work/test/mkdb-pgsql.log" 2>&1 ||
            { tail -n 40 "$top/work/test/mkdb-pgsql.log"; die "build/mkdb.sh (PostgreSQL)"; }
    esac
}

# run_suite NAME DRIVER PARAMS [TEST.PL arguments]: one Apache::Test run.
# Appends its counts to work/test/summary (see summarize).
run_suite() {
    local name=$1 driver=$2 params=$3 log rc reports ubsan
    shift 3
    log="$top/work/test/suite-$name.log"
    say "running the suite on $name ($driver)"
    rm -f "$top/t/logs/error_log" "$top/t/logs/access_log"
    if [ "$sanitize" = 1 ]; then
        rm -f "$top/work/test/asan-$name".*
        set -- -httpd "$top/build/sanitize-httpd" "$@"
        export ASAN_OPTIONS="detect_leaks=0:abort_on_error=0:log_path=$top/work/test/asan-$name"
        export UBSAN_OPTIONS="print_stacktrace=1"
    fi
    (cd "$top" && BBW_DBD_DRIVER=$driver BBW_DBD_PARAMS=$params \
        timeout --kill-after=10 "$suite_timeout" perl t/TEST.PL "$@") 2>&1 | tee "$log"
    rc=${PIPESTATUS[0]}
    stop_httpd
    [ -f "$top/t/logs/error_log" ] && cp "$top/t/logs/error_log" "$top/work/test/error_log-$name"
    [ "$rc" = 124 ] && say "$name: the suite timed out after ${suite_timeout}s"
    if [ "$sanitize" = 1 ]; then
        # ASan writes to its log_path; UBSan ("runtime error:") to stderr,
        # which is the error_log (t/api/95_error_log.t fails on it too).
        reports=$(ls "$top/work/test/asan-$name".* 2>/dev/null | wc -l)
        ubsan=$(grep -c 'runtime error:' "$top/work/test/error_log-$name" 2>/dev/null)
        say "$name: $reports ASan report file(s) (work/test/asan-$name.*), ${ubsan:-0} UBSan line(s) in error_log-$name"
        if [ "$reports" != 0 ] || [ "${ubsan:-0}" != 0 ]; then
            [ "$reports" != 0 ] && head -n 60 "$top/work/test/asan-$name".*
            grep 'runtime error:' "$top/work/test/error_log-$name" 2>/dev/null | sort | uniq -c | head -n 20
            [ "$rc" = 0 ] && rc=1
        fi
    fi
    summarize "$name" "$log" "$rc"
    return "$rc"
}

# summarize NAME LOG RC: subtest counts and failing files from Test::Harness.
summarize() {
    local name=$1 log=$2 rc=$3
    perl -e '
        my ($name, $rc) = (shift, shift);
        my ($tests, $failed, @bad) = (0, 0);
        while (<>) {
            $tests = $1 if /^Files=\d+, Tests=(\d+)/;
            if (/^(\S+\.t)\s+\(Wstat: .*?Tests: (\d+) Failed: (\d+)\)/) {
                $failed += $3; push @bad, $1;
            }
        }
        my $passed = $tests - $failed;
        $failed++ if $rc && !$failed;   # died before or outside the tests
        printf "%s %d %d %s\n", $name, $passed, $failed, join(",", @bad);
    ' "$name" "$rc" "$log" >>"$top/work/test/summary"
}

inner() {
    local started step overall=0 passed=0 failed=0 name p f bad result
    started=${BBW_TEST_STARTED:-$(date +%s)}
    cd "$top" || die "cd $top"
    mkdir -p work/test && : >work/test/summary
    trap cleanup EXIT
    trap 'exit 130' INT TERM

    step=$(date +%s)
    case " $engines " in *" pgsql "*) start_postgres ;; esac
    make_fixtures
    start_slapd
    start_live_master
    say "databases ready in $(( $(date +%s) - step ))s"

    perl t/TEST.PL -clean >/dev/null 2>&1
    # The live tests (a real master and worker) run once, with the SQLite
    # suite; the REST and identity tests run on both engines.
    local first=(t/api t/live) rest=(t/api)
    [ $# -gt 0 ] && first=("$@") && rest=("$@")
    case " $engines " in *" sqlite "*)
        run_suite sqlite sqlite3 "$top/work/test/state.sqlite" "${first[@]}" || overall=1
        first=("${rest[@]}")
    esac
    case " $engines " in *" pgsql "*)
        run_suite pgsql pgsql "host=127.0.0.1 port=$pg_port user=postgres dbname=bbw" "${first[@]}" || overall=1
    esac
    cleanup

    echo
    echo "==================== mod_bbwww test summary ===================="
    while read -r name p f bad; do
        printf '%-8s %5d passed, %3d failed  %s\n' "$name" "$p" "$f" \
            "${bad:+(failing: ${bad//,/ })}"
        passed=$((passed + p)); failed=$((failed + f))
    done <work/test/summary
    echo "logs: $top/work/test/ (suite-*.log, error_log-*, mkdb-*.log)"
    echo "time: $(( $(date +%s) - started ))s (build, databases and both suites)"
    [ "$overall" = 0 ] && [ "$failed" = 0 ] && result=PASS || result=FAIL
    echo "result: $result"
    echo "bbwww: $passed passed, $failed failed"
    [ "$result" = PASS ]
}

if [ "${1:-}" = --inner ]; then
    shift
    inner "$@"
else
    outer "$@"
fi
