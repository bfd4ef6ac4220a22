#!/bin/bash
# Interop run: a real Buildbot 3.7 master and mod_bbwww read the same SQLite
# database; t/interop/compare.py fetches every URL of t/interop/urls.txt from
# both and requires identical answers, except the documented differences.
#
#   t/interop/run.sh SQLITE_DB_PATH MODULE_BASE_URL [compare.py options...]
#
# e.g. t/interop/run.sh work/test/state.sqlite http://127.0.0.1:8529/ -v
#
# The master listens on 127.0.0.1:8671 (web) and 9671 (PB), overridable with
# BBW_INTEROP_WEBPORT / BBW_INTEROP_PBPORT. It is always stopped at the end.
#
# A starting master "housekeeps" every other master whose last_active is
# older than 10 minutes (finishes its running builds, unclaims its requests,
# unlinks its builders, workers and schedulers). So that the active masters of
# the fixture stay as they were made, the run first sets their last_active to
# now (as build/fixtures.py --touch does); the whole database is saved before
# and restored afterwards (SQLite backup API), so the run leaves it as it found
# it. BBW_INTEROP_KEEP_DB=1 skips the restore; BBW_INTEROP_KEEP_TMP=1 keeps
# the master's directory (and its twistd.log).
#
# The differences list is read from README.md's "## Differences from
# Buildbot 3.7" section once that section lists differences, else from
# t/interop/DIFFERENCES.md (BBW_INTEROP_DIFFERENCES overrides).
# Exit status: compare.py's (0 all good, 1 differences), 2 for set-up errors.
set -u -o pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
PY=/usr/bin/python3
web_port=${BBW_INTEROP_WEBPORT:-8671}
pb_port=${BBW_INTEROP_PBPORT:-9671}

say() { printf 'interop: %s\n' "$*" >&2; }
fail() { printf 'interop: %s\n' "$*" >&2; exit 2; }

[ $# -ge 2 ] || fail "usage: $0 SQLITE_DB_PATH MODULE_BASE_URL [compare.py options]"
db=$1
module_url=$2
shift 2
[ -f "$db" ] || fail "no SQLite database at $db"
db=$(cd "$(dirname "$db")" && pwd)/$(basename "$db")

differences=${BBW_INTEROP_DIFFERENCES:-}
if [ -z "$differences" ]; then
    # README.md wins once its section holds the list (a bullet "- `Dnn`").
    if [ -f "$top/README.md" ] && awk '
            /^## / { inside = ($0 == "## Differences from Buildbot 3.7"); next }
            inside && /^[-*] +`D[0-9]+`/ { found = 1 }
            END { exit !found }' "$top/README.md"; then
        differences=$top/README.md
    else
        differences=$here/DIFFERENCES.md
    fi
fi

# Something else on these ports would be compared instead of our master.
for port in "$web_port" "$pb_port"; do
    if "$PY" -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 2)' \
            "$port" 2>/dev/null; then
        fail "127.0.0.1:$port is already in use (set BBW_INTEROP_WEBPORT / BBW_INTEROP_PBPORT)"
    fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/bbw-interop.XXXXXX") || fail "mktemp"
master_dir=$tmp/master
started=""

cleanup() {
    if [ -n "$started" ]; then
        "$top/build/master.sh" stop "$master_dir" >&2 || true
    fi
    if [ -f "$tmp/saved.sqlite" ] && [ "${BBW_INTEROP_KEEP_DB:-0}" != 1 ]; then
        "$PY" - "$tmp/saved.sqlite" "$db" <<'EOF' || say "could not restore $db"
import sqlite3, sys
src = sqlite3.connect(sys.argv[1])
dst = sqlite3.connect(sys.argv[2], timeout=30)
src.backup(dst)
dst.close()
src.close()
EOF
    fi
    if [ "${BBW_INTEROP_KEEP_TMP:-0}" = 1 ]; then
        say "kept $tmp (master log: $master_dir/twistd.log)"
    else
        rm -rf "$tmp"
    fi
}
trap cleanup EXIT
trap 'exit 2' INT TERM

# Save the database, then make every master look alive (see above).
"$PY" - "$db" "$tmp/saved.sqlite" <<'EOF' || fail "cannot save/prepare $db"
import sqlite3, sys, time
src = sqlite3.connect(sys.argv[1], timeout=30)
dst = sqlite3.connect(sys.argv[2])
src.backup(dst)
dst.close()
src.execute("UPDATE masters SET last_active = ? WHERE active != 0", (int(time.time()),))
src.commit()
src.close()
EOF

say "creating the reference master in $master_dir (web $web_port, pb $pb_port)"
"$top/build/master.sh" create "$master_dir" "sqlite:///$db" "$web_port" "$pb_port" \
    >"$tmp/create.log" 2>&1 || { cat "$tmp/create.log" >&2; fail "build/master.sh create failed"; }
started=1
"$top/build/master.sh" start "$master_dir" >"$tmp/start.log" 2>&1 ||
    { cat "$tmp/start.log" >&2; fail "the reference master did not start"; }

"$PY" "$here/compare.py" --master "http://127.0.0.1:$web_port/" --module "$module_url" \
    --urls "$here/urls.txt" --differences "$differences" "$@"
rc=$?
exit "$rc"
