#!/bin/sh
# `make demo` / `make demo-stop`: a real Buildbot master with a worker and
# three builders running builds every minute, and Apache with mod_bbwww
# reading the same SQLite database. State lives in work/demo/.
#   build/demo.sh start | stop
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DEMO=$ROOT/work/demo
MASTER_DIR=$DEMO/master
WORKER_DIR=$DEMO/worker
DB=$MASTER_DIR/state.sqlite
HTTPD_PORT=8010
MASTER_WEB_PORT=8011
MASTER_PB_PORT=9989
WORKER_NAME=demo-worker
WORKER_PASS=demo-worker-pass  # the same as in build/master-demo.cfg.in
HTTPD=/usr/sbin/apache2
MASTER_SH=$ROOT/build/master.sh

pid_alive() {
  [ -f "$1" ] || return 1
  pid=$(cat "$1" 2>/dev/null) || return 1
  case $pid in ''|*[!0-9]*) return 1 ;; esac
  kill -0 "$pid" 2>/dev/null
}

# As root, Apache's children run as www-data: they must read the database and
# read/write its -wal/-shm files (WAL mode), which may also need creating.
# SQLite gives new -wal/-shm files the owner and mode of the database file.
share_db_with_httpd() {
  [ "$(id -u)" = 0 ] || return 0
  chgrp www-data "$MASTER_DIR" "$DB"* 2>/dev/null || true
  chmod 2770 "$MASTER_DIR"
  chmod g+rw "$DB"*
  if ! runuser -u www-data -- test -r "$DB" -a -w "$MASTER_DIR"; then
    echo "demo: warning: www-data cannot reach $DB (is a parent directory closed to it?)" >&2
  fi
}

# Who may do what in the demo (README "make demo"): admin may control
# everything, dev may force and rebuild lint and stop the builds it started,
# everyone else reads. Passwords are hashed by Apache's htpasswd.
write_identity_conf() {
  if [ ! -f "$DEMO/htpasswd" ]; then
    htpasswd -cbB "$DEMO/htpasswd" admin admin-demo >/dev/null 2>&1
    htpasswd -bB "$DEMO/htpasswd" dev dev-demo >/dev/null 2>&1
  fi
  cat >"$DEMO/conf.d/identity.conf" <<EOF
# Written by build/demo.sh: login, authz and control for the demo.
BuildbotMaster http://127.0.0.1:$MASTER_WEB_PORT/
BuildbotAuth HTPasswdAuth
BuildbotTitle "mod_bbwww demo"
<Location "/auth/login">
    AuthType Basic
    AuthName buildbot
    AuthBasicProvider file
    AuthUserFile "$DEMO/htpasswd"
    Require valid-user
</Location>
BuildbotRolesFromUsername admins admin
BuildbotRolesFromUsername developers dev
BuildbotRolesFromOwner owner
BuildbotAllow ForceBuild developers builder=lint defaultDeny=false
BuildbotAllow RebuildBuild developers builder=lint defaultDeny=false
BuildbotAllow StopBuild owner defaultDeny=false
BuildbotAllow AnyControlEndpoint admins
# The UI straight from the source tree, with the three views.
BuildbotUI "$ROOT/htdocs"
BuildbotPlugin waterfall_view
BuildbotPlugin console_view
BuildbotPlugin grid_view
BuildbotVersion "mod_bbwww demo" "make demo"
EOF
}

start_httpd() {
  mkdir -p "$DEMO/logs" "$DEMO/run" "$DEMO/conf.d"
  write_identity_conf
  "$ROOT/build/httpd-conf.sh" "$DEMO/httpd.conf" \
    SERVER_ROOT="$DEMO" LISTEN="127.0.0.1:$HTTPD_PORT" \
    MODULE_SO="$ROOT/mod_bbwww/.libs/mod_bbwww.so" \
    DBD_DRIVER=sqlite3 DBD_PARAMS="$DB" BUILDBOT_URL="http://127.0.0.1:$HTTPD_PORT/"
  if [ "$(id -u)" = 0 ]; then chgrp www-data "$DEMO/logs"; chmod 2770 "$DEMO/logs"; fi
  if pid_alive "$DEMO/httpd.pid"; then
    "$HTTPD" -f "$DEMO/httpd.conf" -k graceful
    echo "apache: reloaded (pid $(cat "$DEMO/httpd.pid"))"
    return 0
  fi
  if ! "$HTTPD" -f "$DEMO/httpd.conf" -t >/dev/null 2>&1; then
    "$HTTPD" -f "$DEMO/httpd.conf" -t || true
    echo "demo: apache config test failed ($DEMO/httpd.conf)" >&2
    exit 1
  fi
  "$HTTPD" -f "$DEMO/httpd.conf" -k start
  i=0
  while [ $i -lt 100 ]; do
    if curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$HTTPD_PORT/"; then
      echo "apache: running (pid $(cat "$DEMO/httpd.pid"))"
      return 0
    fi
    sleep 0.1
    i=$((i + 1))
  done
  echo "demo: apache did not come up on 127.0.0.1:$HTTPD_PORT" >&2
  tail -n 20 "$DEMO/logs/error.log" >&2 2>/dev/null || true
  exit 1
}

stop_httpd() {
  if ! pid_alive "$DEMO/httpd.pid"; then
    echo "apache: not running"
    return 0
  fi
  pid=$(cat "$DEMO/httpd.pid")
  kill -TERM "$pid"
  i=0
  while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
  if kill -0 "$pid" 2>/dev/null; then
    echo "demo: apache (pid $pid) still running after 10 s" >&2
    return 1
  fi
  echo "apache: stopped"
}

cmd_start() {
  "$ROOT/build/deps.sh"
  make -C "$ROOT"
  mkdir -p "$DEMO"
  # (Re)generate master.cfg when missing or older than its template; the database is kept.
  if [ ! -f "$MASTER_DIR/master.cfg" ] \
     || [ -n "$(find "$ROOT/build/master-demo.cfg.in" "$MASTER_SH" -newer "$MASTER_DIR/master.cfg")" ]; then
    "$MASTER_SH" create "$MASTER_DIR" "sqlite:///$DB" "$MASTER_WEB_PORT" "$MASTER_PB_PORT" demo
  fi
  if [ ! -f "$WORKER_DIR/buildbot.tac" ]; then
    "$MASTER_SH" worker-create "$WORKER_DIR" "$MASTER_PB_PORT" "$WORKER_NAME" "$WORKER_PASS"
  fi
  share_db_with_httpd
  "$MASTER_SH" start "$MASTER_DIR"
  "$MASTER_SH" worker-start "$WORKER_DIR"
  share_db_with_httpd  # the master has now created state.sqlite-wal/-shm
  start_httpd
  cat <<EOF

mod_bbwww demo is up:
  http://127.0.0.1:$HTTPD_PORT/   the Buildbot UI served by mod_bbwww (Apache, reading $DB)
  http://127.0.0.1:$MASTER_WEB_PORT/   the Buildbot master itself (REST API at /api/v2)
Builds of unit-tests, lint and docs start about every minute.
Log in at http://127.0.0.1:$HTTPD_PORT/auth/login as admin/admin-demo (may force,
stop and rebuild anything) or dev/dev-demo (may force and rebuild lint, stop
its own builds); anonymous visitors read only. See README, "make demo".
Logs: $DEMO/logs/, $MASTER_DIR/twistd.log, $WORKER_DIR/twistd.log
stop with: make demo-stop
EOF
}

cmd_stop() {
  rc=0
  stop_httpd || rc=1
  "$MASTER_SH" worker-stop "$WORKER_DIR" || rc=1
  "$MASTER_SH" stop "$MASTER_DIR" || rc=1
  return $rc
}

case ${1:-} in
  start) cmd_start ;;
  stop) cmd_stop ;;
  *) echo "usage: build/demo.sh start|stop" >&2; exit 2 ;;
esac
