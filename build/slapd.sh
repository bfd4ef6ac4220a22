#!/bin/bash
# A private OpenLDAP server for the tests (t/api/89_ldap.t), run as the
# invoking user (root or not) with everything under one directory.
#
#   build/slapd.sh start DIR PORT   configure, start on ldap://127.0.0.1:PORT/,
#                                   wait until it answers, load t/ldap/seed.ldif
#   build/slapd.sh stop DIR         kill it (pid file) and remove DIR
#
# Directory: suffix dc=example,dc=org, rootdn cn=admin,dc=example,dc=org,
# password "secret"; schemas core, cosine, inetorgperson, nis and
# t/ldap/bbw-test.schema (thumbnailPhoto). Anonymous clients may read
# everything but passwords, and bind (authenticate) as any user.
# Needs Debian's slapd and ldap-utils (build/deps.sh).
set -u -o pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
schema_dir=/etc/ldap/schema
suffix=dc=example,dc=org
rootdn=cn=admin,$suffix
rootpw=secret

say() { printf 'slapd.sh: %s\n' "$*"; }
die() { printf 'slapd.sh: FAILED: %s\n' "$*" >&2; exit 1; }

usage() {
    echo "usage: $0 start DIR PORT | stop DIR" >&2
    exit 2
}

# The directory must be ours to remove: it holds our slapd.conf.
owned_dir() {
    [ -n "$1" ] && [ "$1" != / ] && [ -f "$1/slapd.conf" ]
}

running_pid() {
    local pid
    [ -s "$1/slapd.pid" ] || return 1
    pid=$(cat "$1/slapd.pid")
    kill -0 "$pid" 2>/dev/null || return 1
    echo "$pid"
}

write_conf() {
    local dir=$1
    cat >"$dir/slapd.conf" <<EOF
include $schema_dir/core.schema
include $schema_dir/cosine.schema
include $schema_dir/inetorgperson.schema
include $schema_dir/nis.schema
include $top/t/ldap/bbw-test.schema

pidfile $dir/slapd.pid
argsfile $dir/slapd.args
modulepath /usr/lib/ldap
moduleload back_mdb

database mdb
maxsize 16777216
suffix "$suffix"
rootdn "$rootdn"
rootpw $rootpw
directory $dir/db
index objectClass eq
index uid,mail,member eq

access to attrs=userPassword
    by anonymous auth
    by self read
    by * none
access to *
    by * read
EOF
}

# Ready when the root DSE answers a search.
wait_ready() {
    local dir=$1 port=$2 i
    for i in $(seq 100); do
        if ldapsearch -x -LLL -o nettimeout=2 -H "ldap://127.0.0.1:$port/" \
               -b "" -s base namingContexts >/dev/null 2>&1; then
            return 0
        fi
        running_pid "$dir" >/dev/null || [ "$i" -lt 10 ] || return 1
        sleep 0.1
    done
    return 1
}

fail_start() {
    local dir=$1
    echo "---- $dir/slapd.log" >&2
    tail -n 60 "$dir/slapd.log" >&2 2>/dev/null
    stop "$dir" >/dev/null 2>&1
    die "$2"
}

start() {
    local dir=$1 port=$2
    [[ "$port" =~ ^[0-9]+$ ]] && [ "$port" -gt 0 ] && [ "$port" -lt 65536 ] ||
        die "'$port' is not a port number"
    command -v slapd >/dev/null || [ -x /usr/sbin/slapd ] || die "slapd is not installed (build/deps.sh)"
    # A server left in DIR by an interrupted run still holds the port.
    owned_dir "$dir" && stop "$dir"
    [ -e "$dir" ] && [ -n "$(ls -A "$dir" 2>/dev/null)" ] && die "$dir exists and is not empty"
    mkdir -p "$dir/db" || die "cannot create $dir"
    dir=$(cd "$dir" && pwd)
    if ldapsearch -x -o nettimeout=1 -H "ldap://127.0.0.1:$port/" -b "" -s base >/dev/null 2>&1; then
        rm -rf "$dir"
        die "something already answers LDAP on 127.0.0.1:$port"
    fi
    write_conf "$dir"
    /usr/sbin/slaptest -Q -u -f "$dir/slapd.conf" >"$dir/slapd.log" 2>&1 ||
        fail_start "$dir" "slaptest refused $dir/slapd.conf"
    # -d keeps slapd in the foreground with its log on stderr (no syslog
    # in containers); 256 = stats, one line per operation.
    setsid /usr/sbin/slapd -d 256 -f "$dir/slapd.conf" -h "ldap://127.0.0.1:$port/" \
        </dev/null >>"$dir/slapd.log" 2>&1 &
    wait_ready "$dir" "$port" || fail_start "$dir" "slapd did not answer on 127.0.0.1:$port"
    ldapadd -x -H "ldap://127.0.0.1:$port/" -D "$rootdn" -w "$rootpw" \
        -f "$top/t/ldap/seed.ldif" >"$dir/seed.log" 2>&1 ||
        { cat "$dir/seed.log" >&2; fail_start "$dir" "ldapadd of t/ldap/seed.ldif"; }
    say "slapd (pid $(running_pid "$dir")) on ldap://127.0.0.1:$port/, log $dir/slapd.log"
}

stop() {
    local dir=$1 pid i
    owned_dir "$dir" || { [ -e "$dir" ] || return 0; die "$dir is not a slapd.sh directory"; }
    if pid=$(running_pid "$dir"); then
        kill -TERM "$pid" 2>/dev/null
        for i in $(seq 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
    fi
    rm -rf "$dir"
}

case "${1:-}" in
    start) [ $# = 3 ] || usage; start "$2" "$3" ;;
    stop)  [ $# = 2 ] || usage; stop "$2" ;;
    *)     usage ;;
esac
