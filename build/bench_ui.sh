#!/bin/bash
# UI benchmark (not a test): how long headless Chromium takes from navigation
# to a rendered waterfall, console and grid on 1,000 builders x 50 builds.
#
#   build/bench_ui.sh            (also run at the end of `make bench`)
#
# 1. A SQLite database with the real master's schema (`buildbot create-master`
#    creates it, as build/mkdb.sh and build/bench_large.py do), filled with
#    1,000 builders, 50 changes and 50 buildsets asking every builder, so
#    50,000 builds inside one day. Cached as work/bench/ui-1000x50.sqlite
#    (BENCH_REGEN=1 rebuilds it).
# 2. Apache + mod_bbwww + htdocs/ (BuildbotUI, the three view plugins) on a
#    free loopback port (BENCH_UI_PORT, default: the first free of 8620-8699).
# 3. /usr/bin/chromium driven by playwright-core (t/browser/node_modules;
#    `npm ci --prefix t/browser` when missing), 1600x1000 viewport, a fresh
#    browser context per run: the time from navigation start to the page's
#    DOM marker (data-rendered / data-rendered-at = performance.now() once laid
#    out, set by htdocs/js/pages/*.js). BENCH_UI_RUNS runs each (default 5).
#    The browser asks for gzip (Accept-Encoding), as any browser does.
# 4. BENCH_UI_CACHE=0 turns the module's response cache off
#    (BuildbotResponseCache Off): every load then recomputes its answer, as
#    on a master whose database changes between loads. By default (on) the
#    first run of a view computes it and later runs may be served from the
#    cache (gzip answers fit in it; 512 KiB an entry).
#
# Prints the load average (before and after) and one line per view:
#   bench ui: waterfall 1000x50 median=...ms min=...ms max=...ms (...)
# State: work/bench/ui-run/ (Apache config, logs, the copy of the DB).
set -eu -o pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/.." && pwd)
W=$TOP/work/bench
RUN=$W/ui-run
DB=$W/ui-1000x50.sqlite
GEN_VERSION=1
APACHE=/usr/sbin/apache2
MODULE_SO=$TOP/mod_bbwww/.libs/mod_bbwww.so
RUNS=${BENCH_UI_RUNS:-5}
CACHE=${BENCH_UI_CACHE:-1}
BUILDERS=1000
BUILDS_PER_BUILDER=50

log() { printf 'bench ui: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

stop_httpd() {
  local pf=$RUN/run/httpd.pid pid
  [ -f "$pf" ] || return 0
  pid=$(cat "$pf" 2>/dev/null || true)
  case $pid in ''|*[!0-9]*) rm -f "$pf"; return 0 ;; esac
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pf"
}

mkdir -p "$W"
stop_httpd                                   # leftovers of an interrupted run
trap 'rc=$?; stop_httpd; exit $rc' EXIT
trap 'exit 130' INT TERM

if [ "${BENCH_SKIP_MAKE:-0}" != 1 ]; then
  make -C "$TOP" >/dev/null || die "make failed"
fi
[ -f "$MODULE_SO" ] || die "no $MODULE_SO"
[ -x /usr/bin/chromium ] || die "no /usr/bin/chromium"

# ---------------------------------------------------------------- database
if [ "${BENCH_REGEN:-0}" = 1 ] || [ "$(cat "$DB.ok" 2>/dev/null)" != "v$GEN_VERSION ${BUILDERS}x$BUILDS_PER_BUILDER" ]; then
  log "generating $DB (once)"
  rm -f "$DB" "$DB.ok" "$DB-wal" "$DB-shm"
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/bbwww-bench-ui.XXXXXX")
  /usr/bin/python3 /usr/bin/buildbot create-master --quiet --relocatable --db "sqlite:///$DB" "$tmp/master" \
    >"$tmp/create.log" 2>&1 || { cat "$tmp/create.log" >&2; rm -rf "$tmp"; die "buildbot create-master failed"; }
  rm -rf "$tmp"
  /usr/bin/python3 - "$DB" "$BUILDERS" "$BUILDS_PER_BUILDER" <<'PY'
import hashlib, sqlite3, sys
path, nb, nk = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
T_END = 1_700_000_000
T0 = T_END - 86400
sha = lambda s: hashlib.sha1(s.encode()).hexdigest()
db = sqlite3.connect(path)
db.execute("PRAGMA journal_mode=WAL")
db.execute("INSERT INTO masters (id, name, name_hash, active, last_active) VALUES (1, 'bench:/m', ?, 1, ?)",
           (sha("bench:/m"), T_END))
db.executemany("INSERT INTO workers (id, name, info, paused, graceful) VALUES (?, ?, '{}', 0, 0)",
               [(i + 1, "worker-%02d" % i) for i in range(20)])
tags = ["linux", "windows", "macos", "release", "nightly", "asan"]
db.executemany("INSERT INTO tags (id, name, name_hash) VALUES (?, ?, ?)",
               [(i + 1, t, sha(t)) for i, t in enumerate(tags)])
builders, btags = [], []
for b in range(nb):
    name = "%s-%s-%03d" % (["linux", "windows", "macos", "freebsd"][b % 4], ["gcc", "clang", "msvc", "asan", "release"][b % 5], b)
    builders.append((b + 1, name, "benchmark builder %d" % b if b % 3 == 0 else None, sha(name)))
    btags.append((b + 1, b % 3 + 1))
    if b % 7 == 0:
        btags.append((b + 1, 4 + b % 3))
db.executemany("INSERT INTO builders (id, name, description, name_hash) VALUES (?, ?, ?, ?)", builders)
db.executemany("INSERT INTO builder_masters (builderid, masterid) VALUES (?, 1)", [(b + 1,) for b in range(nb)])
db.executemany("INSERT INTO builders_tags (builderid, tagid) VALUES (?, ?)", btags)
ss, changes, sets, links, reqs, builds = [], [], [], [], [], []
for k in range(nk):
    t = T0 + k * 1700
    rev = sha("rev%d" % k)
    branch = "main" if k % 5 else "release"
    ss.append((k + 1, sha("ss%d" % k), branch, rev, "https://git.example.org/p.git", "", "p", t))
    changes.append((k + 1, "Dev %d <dev%d@example.org>" % (k % 9, k % 9), "Change %d: make things faster\n\nDetails." % k,
                    branch, rev, "", t, "https://git.example.org/p.git", "", "p", k + 1))
    sets.append((k + 1, "scheduler", t + 10, 1, t + 3000, 0))
    links.append((k + 1, k + 1))
    for b in range(nb):
        i = k * nb + b + 1
        started = t + 30 + (b % 60) * 5
        running = k == nk - 1 and b % 10 == 0
        done = None if running else started + 300 + (b * 7 + k * 13) % 900
        h = (b * 31 + k * 17) % 100
        res = None if running else (0 if h < 80 else 1 if h < 88 else 2 if h < 96 else 4)
        reqs.append((i, k + 1, b + 1, 0, 0 if running else 1, -1 if running else res, t + 10, done))
        state = "building" if running else ["build successful", "warnings", "failed test (failure)", "", "exception"][res]
        builds.append((i, k + 1, b + 1, i, 1 + (b % 20), 1, started, done, state, res))
db.executemany("INSERT INTO sourcestamps (id, ss_hash, branch, revision, patchid, repository, codebase, project, created_at)"
               " VALUES (?, ?, ?, ?, NULL, ?, ?, ?, ?)", ss)
db.executemany("INSERT INTO changes (changeid, author, comments, branch, revision, revlink, when_timestamp, repository,"
               " codebase, project, sourcestampid) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", changes)
db.executemany("INSERT INTO buildsets (id, reason, submitted_at, complete, complete_at, results) VALUES (?, ?, ?, ?, ?, ?)", sets)
db.executemany("INSERT INTO buildset_sourcestamps (buildsetid, sourcestampid) VALUES (?, ?)", links)
db.executemany("INSERT INTO buildrequests (id, buildsetid, builderid, priority, complete, results, submitted_at, complete_at)"
               " VALUES (?, ?, ?, ?, ?, ?, ?, ?)", reqs)
db.executemany("INSERT INTO builds (id, number, builderid, buildrequestid, workerid, masterid, started_at, complete_at,"
               " state_string, results) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", builds)
db.commit()
db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
db.close()
PY
  echo "v$GEN_VERSION ${BUILDERS}x$BUILDS_PER_BUILDER" >"$DB.ok"
else
  log "reusing $DB"
fi

# ---------------------------------------------------------------- Apache
PORT=${BENCH_UI_PORT:-}
if [ -z "$PORT" ]; then
  for p in $(seq 8620 8699); do port_busy "$p" || { PORT=$p; break; }; done
fi
[ -n "$PORT" ] || die "no free port in 8620-8699"
port_busy "$PORT" && die "port 127.0.0.1:$PORT is in use"

rm -rf "$RUN"
mkdir -p "$RUN/run" "$RUN/logs" "$RUN/db"
cp "$DB" "$RUN/db/state.sqlite"
if [ "$(id -u)" = 0 ]; then
  USER_LINES="User www-data
Group www-data"
  chown -R www-data:www-data "$RUN/db"
  chmod 0770 "$RUN/db"
  HTDOCS=$RUN/htdocs                     # www-data must be able to read it
  cp -r "$TOP/htdocs" "$HTDOCS"
  chmod -R a+rX "$HTDOCS"
else
  USER_LINES=""
  HTDOCS=$TOP/htdocs
fi
cat >"$RUN/httpd.conf" <<EOF
ServerRoot "$RUN"
DefaultRuntimeDir "$RUN/run"
PidFile "$RUN/run/httpd.pid"
ErrorLog "$RUN/logs/error.log"
LogLevel warn
Listen 127.0.0.1:$PORT
ServerName 127.0.0.1:$PORT
$USER_LINES
LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so
LoadModule authn_core_module /usr/lib/apache2/modules/mod_authn_core.so
LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so
LoadModule dbd_module /usr/lib/apache2/modules/mod_dbd.so
LoadModule bbwww_module $MODULE_SO
KeepAlive On
StartServers 2
ServerLimit 2
ThreadsPerChild 8
MaxRequestWorkers 16
DBDriver sqlite3
DBDParams $RUN/db/state.sqlite
DBDMin 1
DBDKeep 8
DBDMax 8
BuildbotURL http://127.0.0.1:$PORT/
BuildbotResponseCache $([ "$CACHE" = 0 ] && echo Off || echo On)
BuildbotUI $HTDOCS
BuildbotPlugin waterfall_view
BuildbotPlugin console_view
BuildbotPlugin grid_view
<Location "/">
    SetHandler bbwww
</Location>
EOF
"$APACHE" -f "$RUN/httpd.conf" -t >"$RUN/logs/configtest.log" 2>&1 \
  || { cat "$RUN/logs/configtest.log" >&2; die "Apache config test failed ($RUN/httpd.conf)"; }
"$APACHE" -f "$RUN/httpd.conf" -k start || die "Apache did not start; see $RUN/logs/error.log"
for _ in $(seq 100); do port_busy "$PORT" && break; sleep 0.1; done
port_busy "$PORT" || die "Apache not listening on $PORT"
BASE=http://127.0.0.1:$PORT/

# Server side, for reference: one views/*.json request each (after a
# warm-up): size and time without compression, then the gzip size.
SERVER_NOTES=()
for v in waterfall.json?limit=50000 console.json?changes=25 grid.json?revisions=10; do
  curl -s -o /dev/null "${BASE}views/$v" || true
  plain=$(curl -s -o /dev/null -w '%{size_download} %{time_total}' "${BASE}views/$v")
  gzipped=$(curl -s -H 'Accept-Encoding: gzip' -o /dev/null -w '%{size_download}' "${BASE}views/$v")
  SERVER_NOTES+=("${v%%.*} $plain $gzipped")
done

# ---------------------------------------------------------------- browser
NODE_MODULES=$TOP/t/browser/node_modules
if [ ! -d "$NODE_MODULES/playwright-core" ]; then
  log "installing playwright-core (npm ci --prefix t/browser)"
  npm ci --prefix "$TOP/t/browser" >"$RUN/logs/npm.log" 2>&1 || { cat "$RUN/logs/npm.log" >&2; die "npm ci failed"; }
fi
cat >"$RUN/bench.mjs" <<'EOF'
import { createRequire } from 'module';
const [, , modules, base, runs, ...notes] = process.argv;
const require = createRequire(modules + '/');
const { chromium } = require('playwright-core');
const server = Object.fromEntries(notes.map((n) => { const [v, size, secs, gz] = n.split(/\s+/); return [v, { size: +size, ms: +secs * 1000, gz: +gz }]; }));
const views = [
  { name: 'waterfall', hash: '#/waterfall', selector: '[data-testid=waterfall][data-rendered]', item: '[data-testid=waterfall-build]' },
  { name: 'console', hash: '#/console', selector: '[data-testid=console][data-rendered]', item: '[data-testid=console-build]' },
  { name: 'grid', hash: '#/grid', selector: '[data-testid=grid][data-rendered]', item: '[data-testid=grid-build]' },
];
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
try {
  for (const view of views) {
    const times = [];
    const dataAt = [];
    let detail = '';
    for (let i = 0; i < Number(runs); i++) {
      const context = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
      const page = await context.newPage();
      const errors = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto(base + view.hash, { waitUntil: 'commit' });
      const marker = await page.waitForSelector(view.selector, { timeout: 60000 });
      times.push(Number(await marker.getAttribute('data-rendered-at')));
      dataAt.push(Number(await marker.getAttribute('data-data-at')));
      if (i === 0) {
        const status = await page.textContent('[data-testid=' + view.name + '-status]');
        const items = await page.locator(view.item).count();
        detail = status.trim() + '; ' + items + ' build elements in the DOM';
        await page.screenshot({ path: process.env.BENCH_UI_SHOTS + '/' + view.name + '.png' });
      }
      if (errors.length) throw new Error(view.name + ': ' + errors.join('; '));
      await context.close();
    }
    const sorted = times.slice().sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)];
    const s = server[view.name] || {};
    console.log(`bench ui: ${view.name} 1000x50 median=${median}ms min=${sorted[0]}ms max=${sorted[sorted.length - 1]}ms `
      + `(runs ${times.join(' ')}; data in at ${dataAt.join(' ')}; ${detail}; views/${view.name}.json ${(s.size / 1048576).toFixed(2)} MiB`
      + ` in ${Math.round(s.ms)}ms, gzip ${(s.gz / 1048576).toFixed(2)} MiB)`);
  }
} finally {
  await browser.close();
}
EOF
log "measuring in headless chromium on $BASE ($RUNS runs per view, response cache $([ "$CACHE" = 0 ] && echo off || echo on))"
log "load average before: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) CPUs)"
BENCH_UI_SHOTS=$RUN/logs node "$RUN/bench.mjs" "$NODE_MODULES" "$BASE" "$RUNS" "${SERVER_NOTES[@]}"
log "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
