#!/bin/bash
# `make bench`: mod_bbwww against the real Buildbot master and against plain
# static Apache, on a small (fixture) and a large database.
#
# Ports, all bound to 127.0.0.1 only:
#   8610  Apache httpd + mod_bbwww (mod_dbd, SQLite)      -- the module under test
#   8611  real Buildbot 3.7 master, web server / REST API  -- build/master.sh
#   9611  real Buildbot 3.7 master, PB port (no worker connects)
#   8612  plain Apache httpd, no mod_bbwww, serving the module's response
#         bodies as static files under the same URLs        -- the upper bound
#
# Databases (SQLite, schema created by the real master, never by us):
#   small  the fixture DB of build/mkdb.sh, plus the same ~250 KB stdio log the
#          large DB has (bench_large.py addlog), so log downloads compare
#   large  build/bench_large.py: 100k builds / 50 builders, 1M steps, ~1M logs,
#          ~59k changes, and a 1 GiB log (streamed once, RSS sampled)
# For each DB in turn the three servers run side by side on a fresh copy of it;
# each URL is measured with wrk (build/bench.lua prints p99 etc.) on the
# module, the static server and the master.
#
# State lives under work/bench/ (gitignored):
#   large.sqlite (+ .meta.json)  the generated large DB (build/bench_large.py),
#                                reused while complete; BENCH_REGEN=1 rebuilds it
#   run-small/, run-large/       per-run copies of the DBs, master dirs, Apache
#                                configs, static trees, logs, wrk outputs
#   results.tsv, stream.txt,     raw figures of the last run; bodies.tsv says
#   bodies.tsv                   whether module and master bodies are JSON-equal
#
# Knobs (environment): BENCH_MPM=prefork|event (module server; default
# event), BENCH_DURATION (s, default 10), BENCH_MASTER_DURATION (s, default 5),
# BENCH_DBS ("small large"), BENCH_THREADS / BENCH_CONNS (wrk -t / -c, 2 / 16),
# BENCH_PROCS (prefork processes, 20), BENCH_SERVERS / BENCH_TPC (event: 4 x 8),
# BENCH_REGEN=1, BENCH_SKIP_MAKE=1 (bench the module .so as it is),
# BENCH_URLS (only these URL names, e.g. "builders steps"), BENCH_STREAM=0,
# BENCH_MOD_PORT / BENCH_MASTER_PORT / BENCH_MASTER_PB / BENCH_STATIC_PORT
# (move the four ports above, e.g. while another copy of the project uses them).
#
# The last line printed is
#   bench: min_ratio_vs_master=X min_ratio_vs_static=Y
# (module req/s divided by master / static req/s, minimum over URLs and DBs;
# a URL the module fails on counts as 0).
set -eu -o pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/.." && pwd)
W=$TOP/work/bench
PY=/usr/bin/python3
APACHE=/usr/sbin/apache2
MODULE_SO=$TOP/mod_bbwww/.libs/mod_bbwww.so
MOD_PORT=${BENCH_MOD_PORT:-8610}
MASTER_PORT=${BENCH_MASTER_PORT:-8611}
MASTER_PB=${BENCH_MASTER_PB:-9611}
STATIC_PORT=${BENCH_STATIC_PORT:-8612}
NOCACHE_PORT=${BENCH_NOCACHE_PORT:-8613}

# event beat prefork here on SQLite by 1.5-2x (2 cores, wrk -c16): prefork
# needs one process per keep-alive connection (20 processes fighting over 2
# cores); event with 4 processes x 8 threads has as many SQLite connections
# running at once as processes (apr_dbd's SQLite driver holds a per-process
# lock per statement) and enough threads that keep-alive connections are not
# closed when all workers are busy.
MPM=${BENCH_MPM:-event}
DUR=${BENCH_DURATION:-10}
MDUR=${BENCH_MASTER_DURATION:-5}
DBS=${BENCH_DBS:-small large}
WRK_T=${BENCH_THREADS:-2}
WRK_C=${BENCH_CONNS:-16}

T_BEGIN=$(date +%s)
log() { printf 'bench: [%4ds] %s\n' $(( $(date +%s) - T_BEGIN )) "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

case $MPM in prefork|event) ;; *) die "BENCH_MPM must be prefork or event" ;; esac

# ---------------------------------------------------------------- cleanup
# Everything started here is stopped by its pid file (never by name).
stop_httpd() {   # $1 = server dir holding run/httpd.pid
  local pf=$1/run/httpd.pid pid
  [ -f "$pf" ] || return 0
  pid=$(cat "$pf" 2>/dev/null || true)
  case $pid in ''|*[!0-9]*) rm -f "$pf"; return 0 ;; esac
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
  fi
  rm -f "$pf"
}

stop_run() {     # $1 = run dir
  local r=$1
  [ -d "$r" ] || return 0
  stop_httpd "$r/mod"
  stop_httpd "$r/nocache"
  stop_httpd "$r/static"
  if [ -f "$r/master/twistd.pid" ]; then
    "$HERE/master.sh" stop "$r/master" >/dev/null 2>&1 || true
  fi
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  for r in "$W"/run-*; do stop_run "$r"; done
  [ $rc -ne 0 ] && log "failed (exit $rc); logs under $W/run-*/"
  exit $rc
}

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_port() {    # $1 port, $2 seconds
  local n=$(($2 * 10))
  while [ "$n" -gt 0 ]; do port_busy "$1" && return 0; sleep 0.1; n=$((n - 1)); done
  return 1
}

# ---------------------------------------------------------------- setup
log "dependencies and module build"
"$HERE/deps.sh"
if [ "${BENCH_SKIP_MAKE:-0}" != 1 ]; then   # 1: bench the .so already built
  make -C "$TOP" >/dev/null
fi
[ -f "$MODULE_SO" ] || die "no $MODULE_SO after make"

mkdir -p "$W"
# Leftovers of an interrupted earlier bench (ours: found by their pid files).
for r in "$W"/run-*; do stop_run "$r"; done
trap cleanup EXIT
trap 'exit 130' INT TERM
for p in $MOD_PORT $MASTER_PORT $MASTER_PB $STATIC_PORT; do
  port_busy "$p" && die "port 127.0.0.1:$p is in use by something else"
done

if [ "$(id -u)" = 0 ]; then
  WEBUSER=www-data WEBGROUP=www-data
  id "$WEBUSER" >/dev/null 2>&1 || die "no user $WEBUSER for Apache's children"
  ROOT_DEF="-D BENCH_ROOT"
else
  WEBUSER=$(id -un) WEBGROUP=$(id -gn) ROOT_DEF=""
fi

case " $DBS " in *" large "*)
  if [ "${BENCH_REGEN:-0}" = 1 ] || ! "$PY" "$HERE/bench_large.py" check "$W/large.sqlite"; then
    log "generating the large database (once; cached in $W/large.sqlite)"
    t0=$(date +%s)
    "$PY" "$HERE/bench_large.py" generate "$W/large.sqlite" --force
    log "large database generated in $(( $(date +%s) - t0 )) s"
  else
    log "reusing $W/large.sqlite"
  fi ;;
esac

RESULTS=$W/results.tsv
STREAM=$W/stream.txt
: >"$RESULTS"
: >"$STREAM"
: >"$W/bodies.tsv"

# ---------------------------------------------------------------- Apache
# $1 server dir, $2 role (module|static), $3 port, $4 db path, $5 docroot
start_httpd() {
  local d=$1 role=$2 port=$3 db=$4 docroot=$5 mpm procs servers threads def
  mkdir -p "$d/run" "$d/logs"
  if [ "$role" = module ] || [ "$role" = nocache ]; then
    mpm=$MPM def="-D BENCH_MODULE"
    [ "$role" = nocache ] && def="$def -D BENCH_NOCACHE"
    procs=${BENCH_PROCS:-20} servers=${BENCH_SERVERS:-4} threads=${BENCH_TPC:-8}
  else
    # static files: the same event layout as the module's default, so the
    # two differ only in what answers the request
    mpm=event def="-D BENCH_STATIC" procs=20 servers=4 threads=8
  fi
  sed -e "s|@ROLE@|$role|g" -e "s|@SERVERROOT@|$d|g" -e "s|@PORT@|$port|g" \
      -e "s|@MPM@|$mpm|g" -e "s|@PROCS@|$procs|g" -e "s|@SERVERS@|$servers|g" \
      -e "s|@THREADS@|$threads|g" -e "s|@MAXTHREADS@|$((servers * threads))|g" \
      -e "s|@DBDKEEP@|$threads|g" -e "s|@DBDMAX@|$threads|g" \
      -e "s|@MODULE_SO@|$MODULE_SO|g" -e "s|@DBPATH@|$db|g" -e "s|@DOCROOT@|$docroot|g" \
      -e "s|@USER@|$WEBUSER|g" -e "s|@GROUP@|$WEBGROUP|g" \
      "$HERE/bench-httpd.conf.in" >"$d/httpd.conf"
  # shellcheck disable=SC2086
  "$APACHE" -f "$d/httpd.conf" $def $ROOT_DEF -t >"$d/logs/configtest.log" 2>&1 \
    || { cat "$d/logs/configtest.log" >&2; die "Apache config test failed ($d/httpd.conf)"; }
  # shellcheck disable=SC2086
  "$APACHE" -f "$d/httpd.conf" $def $ROOT_DEF -k start \
    || die "Apache ($role) did not start; see $d/logs/error.log"
  wait_port "$port" 20 || { tail -n 20 "$d/logs/error.log" >&2; die "Apache ($role) not listening on $port"; }
}

# ---------------------------------------------------------------- measuring
# $1 db name, $2 url name, $3 server, $4 port, $5 path, $6 duration
measure() {
  local out="$RUN/wrk/$1.$2.$3.txt"
  mkdir -p "$RUN/wrk"
  if [ "$3" != master ]; then   # warm-up (caches, keep-alive, child start-up)
    wrk -t"$WRK_T" -c"$WRK_C" -d2s -s "$HERE/bench.lua" "http://127.0.0.1:$4$5" >/dev/null 2>&1 || true
  else
    curl -s -o /dev/null --max-time 60 -H 'Accept: application/json' "http://127.0.0.1:$4$5" || true
  fi
  wrk -t"$WRK_T" -c"$WRK_C" -d"${6}s" --timeout 30s --latency -s "$HERE/bench.lua" \
      -H 'Accept: application/json' "http://127.0.0.1:$4$5" >"$out" 2>&1 || true
  "$PY" "$HERE/bench_util.py" wrk "$RESULTS" "$1" "$2" "$3" "$5" "$out"
}

# Path in the static tree for a URL: the query string becomes part of the
# file name (see the RewriteRule in bench-httpd.conf.in).
static_file() {
  local path=${1%%\?*} query=
  case $1 in *\?*) query=${1#*\?} ;; esac
  printf '%s/docroot%s@%s' "$RUN/static" "$path" "$query"
}

bench_db() {   # $1 = small | large
  local name=$1 db dburl mid big_id big_bytes u f code
  RUN=$W/run-$name
  rm -rf "$RUN"
  mkdir -p "$RUN/db" "$RUN/master" "$RUN/mod" "$RUN/static/docroot"
  db=$RUN/db/state.sqlite
  dburl=sqlite:///$db
  log "[$name] preparing the database"
  if [ "$name" = small ]; then
    "$HERE/mkdb.sh" "$dburl" >"$RUN/mkdb.log" 2>&1 || { cat "$RUN/mkdb.log" >&2; die "mkdb.sh failed"; }
    # the same ~250 KB log as in the large DB, so the raw download compares
    mid=$("$PY" "$HERE/bench_large.py" addlog "$db")
  else
    cp "$W/large.sqlite" "$db"
    mid=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["mid_logid"])' "$W/large.sqlite.meta.json")
    big_id=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["big_logid"])' "$W/large.sqlite.meta.json")
    big_bytes=$("$PY" -c 'import json,sys; m=json.load(open(sys.argv[1])); print(m["big_raw_bytes"] - 1)' "$W/large.sqlite.meta.json")
  fi
  eval "$("$PY" "$HERE/bench_util.py" ids "$db")"
  # WAL: Apache's children read the DB as $WEBUSER and need write access to the
  # directory and the -wal/-shm files; SQLite gives those files the owner and
  # mode of the DB file, even when the (root) master creates them.
  if [ -n "$ROOT_DEF" ]; then
    chown -R "$WEBUSER:$WEBGROUP" "$RUN/db"
    chmod 0770 "$RUN/db"
    chmod 0660 "$db"
  fi

  log "[$name] starting the real master (127.0.0.1:$MASTER_PORT, pb $MASTER_PB)"
  "$HERE/master.sh" create "$RUN/master" "$dburl" "$MASTER_PORT" "$MASTER_PB" >"$RUN/master.log" 2>&1 \
    || { cat "$RUN/master.log" >&2; die "master create failed"; }
  "$HERE/master.sh" start "$RUN/master" >>"$RUN/master.log" 2>&1 \
    || { cat "$RUN/master.log" >&2; die "master start failed"; }
  if [ -n "$ROOT_DEF" ]; then chown "$WEBUSER:$WEBGROUP" "$RUN/db"/* 2>/dev/null || true; fi

  log "[$name] starting Apache + mod_bbwww (127.0.0.1:$MOD_PORT, $MPM)"
  start_httpd "$RUN/mod" module "$MOD_PORT" "$db" -
  log "[$name] starting Apache + mod_bbwww, BuildbotResponseCache Off (127.0.0.1:$NOCACHE_PORT)"
  start_httpd "$RUN/nocache" nocache "$NOCACHE_PORT" "$db" -

  URLS=(
    "builders|/api/v2/builders"
    "builds-recent|/api/v2/builds?limit=50&order=-buildid"
    "builds-builder|/api/v2/builds?builderid=$BUILDERID&complete=true&limit=20"
    "steps|/api/v2/builds/$BUILDID/steps"
    "changes|/api/v2/changes?limit=20"
    "log-raw-250k|/api/v2/logs/$mid/raw"
  )

  # The static copies: the module's bytes (the master's if the module fails).
  # Both bodies are kept in bodies/ and compared (JSON-equal or not).
  mkdir -p "$RUN/bodies"
  for u in "${URLS[@]}"; do
    f=$(static_file "${u#*|}")
    mkdir -p "$(dirname "$f")"
    code=$(curl -s -o "$RUN/bodies/${u%%|*}.module" -w '%{http_code}' --max-time 300 \
           -H 'Accept: application/json' "http://127.0.0.1:$MOD_PORT${u#*|}" || echo 000)
    curl -s -o "$RUN/bodies/${u%%|*}.master" --max-time 300 -H 'Accept: application/json' \
         "http://127.0.0.1:$MASTER_PORT${u#*|}" || true
    if [ "$code" = 200 ]; then
      cp "$RUN/bodies/${u%%|*}.module" "$f"
    else
      log "[$name] module answered $code for ${u#*|}; static copy taken from the master"
      cp "$RUN/bodies/${u%%|*}.master" "$f"
    fi
    "$PY" "$HERE/bench_util.py" compare "$W/bodies.tsv" "$name" "${u%%|*}" "$code" \
      "$RUN/bodies/${u%%|*}.module" "$RUN/bodies/${u%%|*}.master"
  done
  chmod -R a+rX "$RUN/static/docroot"

  log "[$name] starting static Apache (127.0.0.1:$STATIC_PORT)"
  start_httpd "$RUN/static" static "$STATIC_PORT" - "$RUN/static/docroot"
  for u in "${URLS[@]}"; do   # the static server must send exactly the stored bytes
    curl -s --max-time 60 -H 'Accept: application/json' "http://127.0.0.1:$STATIC_PORT${u#*|}" \
      | cmp -s - "$(static_file "${u#*|}")" || die "static server does not serve ${u#*|} as stored"
  done

  log "[$name] wrk -t$WRK_T -c$WRK_C: ${DUR}s module/static, ${MDUR}s master, per URL"
  for u in "${URLS[@]}"; do
    case " ${BENCH_URLS:-${u%%|*}} " in *" ${u%%|*} "*) ;; *) continue ;; esac
    measure "$name" "${u%%|*}" module "$MOD_PORT" "${u#*|}" "$DUR"
    measure "$name" "${u%%|*}" nocache "$NOCACHE_PORT" "${u#*|}" "$DUR"
    measure "$name" "${u%%|*}" static "$STATIC_PORT" "${u#*|}" "$DUR"
    measure "$name" "${u%%|*}" master "$MASTER_PORT" "${u#*|}" "$MDUR"
  done

  if [ "$name" = large ] && [ "${BENCH_STREAM:-1}" = 1 ]; then
    log "[large] streaming the $((big_bytes / 1048576)) MiB log $big_id through mod_bbwww"
    "$PY" "$HERE/bench_util.py" stream "$(cat "$RUN/mod/run/httpd.pid")" \
      "http://127.0.0.1:$MOD_PORT/api/v2/logs/$big_id/raw" "$big_bytes" | tee -a "$STREAM" >&2
  fi

  log "[$name] stopping its servers"
  stop_run "$RUN"
}

T_START=$(date +%s)
for d in $DBS; do bench_db "$d"; done
log "measurements took $(( $(date +%s) - T_START )) s (module MPM: $MPM)"
"$PY" "$HERE/bench_util.py" report "$RESULTS" "$STREAM" "$W/bodies.tsv"
"$HERE/bench_ui.sh"   # UI rendering in headless chromium (1,000 builders x 50 builds)
