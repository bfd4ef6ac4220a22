#!/bin/sh
# Creates a fresh fixture database: the real master (Debian's buildbot 3.7)
# creates the schema, then build/fixtures.py fills it.
#
#   build/mkdb.sh sqlite:////abs/path/fixture.sqlite   (an existing file is replaced;
#                                                        sqlite:///rel is relative to $PWD)
#   build/mkdb.sh postgresql://user@127.0.0.1:PORT/db  (the database must exist and be empty)
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
PYTHON=/usr/bin/python3
[ $# -eq 1 ] || { sed -n '5,7p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
url=$1
case $url in
  sqlite:///*)
    path=${url#sqlite:///}
    case $path in /*) ;; *) path=$(pwd)/$path ;; esac
    mkdir -p "$(dirname "$path")"
    rm -f "$path" "$path-wal" "$path-shm" "$path-journal"
    url=sqlite:///$path
    ;;
  postgresql://*|postgresql+psycopg2://*|postgres://*) ;;
  *) echo "mkdb.sh: unsupported DB URL '$url'" >&2; exit 2 ;;
esac
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bbwww-mkdb.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
# create-master builds the schema (alembic head 059) in the database it is given.
"$PYTHON" /usr/bin/buildbot create-master --quiet --relocatable --db "$url" "$tmp/master" \
  || { echo "mkdb.sh: buildbot create-master failed for $url" >&2; exit 1; }
"$PYTHON" "$HERE/fixtures.py" "$url"
