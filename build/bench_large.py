#!/usr/bin/python3
"""Large Buildbot database for `make bench`.

    bench_large.py generate OUT.sqlite [--scale F] [--big-mib N] [--jobs N]
    bench_large.py addlog DB.sqlite        (adds the ~250 KB log to an existing DB)
    bench_large.py check OUT.sqlite        (exit 0 if OUT + OUT.meta.json are complete)

The schema is never written here: `generate` asks the real master
(`buildbot create-master -r --db sqlite:///...`) to create an empty database
and then fills it with plain INSERTs.  To load fast, the master's own indexes
are dropped during the load and re-created afterwards from the very SQL text
SQLite stored for them (sqlite_master), so the result is index-for-index the
master's schema.

Shape at scale 1 (defaults):
  50 builders x 2,002 builds = 100,100 builds (a few still running), 10 steps
  per build (>= 1,000,000 steps), a stdio log per step except the first, a
  text summary log per test step (~1M logs, each with compressed chunks),
  ~60k changes with files, one sourcestamp per change, ~50k buildsets with two
  buildrequests each (claims, properties, sourcestamps consistent with the
  builds), ~900k build properties; plus
  * one ~250 KB stdio log (4 chunks), and
  * one stdio log of >= 1 GiB of raw text (uncompressed), stored like the
    master does: chunks of lines joined by "\n" below 64 KiB, zlib level 9.
The IDs the bench needs are written to OUT.meta.json, the completion marker.
"""

import argparse
import hashlib
import json
import multiprocessing
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import zlib

GEN_VERSION = 3
MAX_CHUNK = 65536          # a chunk's uncompressed text stays below this
T0 = 1_600_000_000         # 2020-09-13, first change
T_END = 1_700_000_000      # 2023-11-14, last activity

# --------------------------------------------------------------------------
# vocabulary

FIRST = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi",
         "ivan", "judy", "mallory", "niaj", "olivia", "peggy", "rupert",
         "sybil", "trent", "victor", "walter", "yvonne", "zoe", "chloé",
         "jörg", "ana", "bogdan", "chen", "dmitri", "emeka", "fatima", "gita"]
LAST = ["smith", "jones", "nguyen", "garcia", "müller", "kowalski", "rossi",
        "tanaka", "okafor", "haddad", "silva", "novak", "dubois", "larsen"]
AUTHORS = []
for _i in range(40):
    _f = FIRST[_i % len(FIRST)]
    _l = LAST[(_i // len(FIRST) + _i * 3) % len(LAST)]
    AUTHORS.append("%s %s <%s.%s@example.org>" % (_f.capitalize(), _l.capitalize(), _f, _l))

VERBS = ["Fix", "Add", "Remove", "Refactor", "Speed up", "Document", "Test",
         "Simplify", "Handle", "Avoid", "Rename", "Port", "Harden", "Revert"]
NOUNS = ["race in scheduler", "leak in parser", "HTTP/2 push", "config loader",
         "unicode paths", "retry logic", "TLS handshake timeout", "cache eviction",
         "build matrix", "CLI flags", "metrics exporter", "windows line endings",
         "worker reconnect", "json encoder", "log rotation", "zero-length reads",
         "locale fallback", "queue backpressure", "signal handling", "mmap errors"]
DIRS = ["src/core", "src/net", "src/net/http", "src/db", "src/ui", "src/util",
        "include/widget", "tests/unit", "tests/integration", "docs", "tools",
        "cmake", "third_party/zstd", "src/plugins/auth", "src/plugins/storage"]
FILES = ["parser", "scheduler", "buffer", "config", "main", "io", "pool",
         "session", "codec", "hash", "string_util", "thread", "timer", "log",
         "compress", "router", "json", "url", "cache", "worker"]
EXTS = [".c", ".cc", ".h", ".py", ".rst", ".cmake", ".txt"]
PLATFORMS = ["linux-x86_64", "linux-arm64", "linux-ppc64le", "linux-s390x",
             "freebsd-amd64", "macos-arm64", "macos-x86_64", "windows-x64",
             "windows-arm64", "alpine-musl"]
VARIANTS = ["gcc", "clang", "asan", "release", "coverage"]
STEP_NAMES = ["worker_preparation", "git", "configure", "compile", "test",
              "lint", "docs", "package", "upload", "cleanup"]
REPO = "https://git.example.org/acme/widget.git"
PROJECT = "acme/widget"
WORKERS = ["worker-%02d" % i for i in range(1, 21)]
RESULT_TEXT = {0: "", 1: " (warnings)", 2: " (failure)", 3: " (skipped)",
               4: " (exception)", 5: " (retry)", 6: " (cancelled)"}


def jd(v):
    """JSON exactly as the master writes it (json.dumps, default options)."""
    return json.dumps(v)


def ss_hash(branch, revision, repository, project, codebase, patchid):
    parts = [b"\xf5" if v is None else str(v).encode("utf-8")
             for v in (branch, revision, repository, project, codebase, patchid)]
    return hashlib.sha1(b"\x00".join(parts)).hexdigest()


def name_hash(name):
    return hashlib.sha1(name.encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------
# log text

def header_lines(rng, argv, wkdir="/home/buildbot/worker/build"):
    out = ["h" + " ".join(argv),
           "h in dir %s (timeout 1200 secs)" % wkdir,
           "h watching logfiles {}",
           "h argv: %s" % json.dumps(argv),
           "h environment:",
           "h  HOME=/home/buildbot",
           "h  LANG=C.UTF-8",
           "h  PATH=/usr/local/bin:/usr/bin:/bin",
           "h  PWD=%s" % wkdir,
           "h  CCACHE_DIR=/var/cache/ccache-%d" % rng.randrange(4),
           "h using PTY: False"]
    return out


def footer_lines(rng, code=0):
    return ["hprogram finished with exit code %d" % code,
            "helapsedTime=%.6f" % (rng.random() * 300)]


def src_path(rng):
    return "%s/%s%s" % (rng.choice(DIRS), rng.choice(FILES), rng.choice(EXTS[:3]))


def small_log_lines(rng, kind, variant):
    """Lines (with stream prefix) of one realistic small stdio log."""
    rev = hashlib.sha1(b"%d-%d" % (variant, len(kind))).hexdigest()
    if kind == "git":
        lines = header_lines(rng, ["git", "fetch", "-f", "-t", REPO, "master", "--progress"])
        lines += ["eFrom %s" % REPO,
                  "e * branch            master     -> FETCH_HEAD",
                  "e   %s..%s  master     -> origin/master" % (rev[:9], rev[9:18])]
        lines += footer_lines(rng)
        lines += header_lines(rng, ["git", "checkout", "-f", rev])
        lines += ["eHEAD is now at %s %s %s" % (rev[:7], rng.choice(VERBS), rng.choice(NOUNS))]
        lines += footer_lines(rng)
    elif kind == "configure":
        lines = header_lines(rng, ["cmake", "-S", ".", "-B", "_build", "-G", "Ninja",
                                   "-DCMAKE_BUILD_TYPE=RelWithDebInfo"])
        for i in range(40 + rng.randrange(40)):
            lines.append("o-- %s %s - %s" % (
                rng.choice(["Looking for", "Performing Test", "Check if compiler accepts",
                            "Found", "Detecting CXX compile features for"]),
                rng.choice(["HAVE_PTHREAD_H", "HAVE_EPOLL", "HAVE_ZLIB", "CXX_FLAG_WALL",
                            "OpenSSL 3.0.%d" % rng.randrange(12), "HAVE_MEMFD_CREATE",
                            "Threads", "PkgConfig: /usr/bin/pkg-config (found version \"1.8.1\")"]),
                rng.choice(["found", "Success", "done", "not found", "Failed"])))
        lines += ["o-- Configuring done (%.1fs)" % (rng.random() * 9),
                  "o-- Generating done (0.%ds)" % rng.randrange(10),
                  "o-- Build files have been written to: /home/buildbot/worker/build/_build"]
        lines += footer_lines(rng)
    elif kind == "compile":
        lines = header_lines(rng, ["ninja", "-C", "_build", "-j8"])
        n = 60 + rng.randrange(120)
        for i in range(1, n + 1):
            p = src_path(rng)
            lines.append("o[%d/%d] Building CXX object CMakeFiles/widget.dir/%s.o" % (i, n, p))
            if rng.random() < 0.04:
                lines.append("e%s:%d:%d: warning: unused variable \u2018%s\u2019 [-Wunused-variable]"
                             % (p, rng.randrange(1, 3000), rng.randrange(1, 80),
                                rng.choice(["rc", "tmp", "len", "ctx", "i"])))
        lines.append("o[%d/%d] Linking CXX executable widget" % (n, n))
        lines += footer_lines(rng)
    elif kind == "test":
        lines = header_lines(rng, ["ctest", "--test-dir", "_build", "--output-on-failure", "-j4"])
        n = 60 + rng.randrange(140)
        for i in range(1, n + 1):
            t = "%s_%s_%d" % (rng.choice(FILES), rng.choice(["basic", "edge", "stress", "unicode",
                                                              "roundtrip", "timeout"]), i)
            lines.append("o%3d/%d Test #%d: %-40s ....   Passed    %.2f sec"
                         % (i, n, i, t, rng.random() * 3))
        lines.append("o")
        lines.append("o100%% tests passed, 0 tests failed out of %d" % n)
        lines.append("o")
        lines.append("oTotal Test time (real) = %.2f sec" % (rng.random() * 200))
        lines += footer_lines(rng)
    elif kind == "summary":
        lines = ["%d tests, %d passed, %d skipped" % (rng.randrange(100, 2000), rng.randrange(100, 2000),
                                                     rng.randrange(10)),
                 "slowest: %s (%.2f s)" % (rng.choice(FILES), rng.random() * 30)]
    elif kind == "lint":
        lines = header_lines(rng, ["tools/lint.sh", "--strict"])
        for i in range(rng.randrange(5, 30)):
            lines.append("o%s: ok" % src_path(rng))
        lines += footer_lines(rng)
    elif kind == "docs":
        lines = header_lines(rng, ["sphinx-build", "-W", "-b", "html", "docs", "_build/html"])
        lines += ["oRunning Sphinx v5.3.0", "oloading pickled environment... done"]
        for i in range(rng.randrange(10, 60)):
            lines.append("oreading sources... [%3d%%] %s" % (rng.randrange(101), rng.choice(FILES)))
        lines += ["obuild succeeded.", "oThe HTML pages are in _build/html."]
        lines += footer_lines(rng)
    elif kind == "package":
        lines = header_lines(rng, ["cpack", "-G", "TGZ"])
        for i in range(rng.randrange(10, 40)):
            lines.append("oCPack: - Install component: %s" % rng.choice(FILES))
        lines.append("oCPack: - package: /home/buildbot/worker/build/widget-%d.%d.%d-Linux.tar.gz generated."
                     % (rng.randrange(3), rng.randrange(20), rng.randrange(50)))
        lines += footer_lines(rng)
    elif kind == "upload":
        lines = header_lines(rng, ["rsync", "-av", "dist/", "upload@artifacts.example.org:/srv/widget/"])
        lines += ["osending incremental file list", "owidget.tar.gz",
                  "osent %d bytes  received %d bytes  %.2f bytes/sec" % (
                      rng.randrange(10**6, 10**8), rng.randrange(100, 999), rng.random() * 10**7)]
        lines += footer_lines(rng)
    else:  # cleanup
        lines = header_lines(rng, ["rm", "-rf", "_build/Testing"])
        lines += footer_lines(rng)
    return lines


def chunk_lines(lines):
    """Split lines into master-like chunks: (first_idx, last_idx, text bytes)."""
    out = []
    cur, size, first = [], 0, 0
    for i, line in enumerate(lines):
        b = line.encode("utf-8")[:MAX_CHUNK - 1]
        add = len(b) + (1 if cur else 0)
        if cur and size + add >= MAX_CHUNK:
            out.append((first, i - 1, b"\n".join(cur)))
            cur, size, first = [], 0, i
            add = len(b)
        cur.append(b)
        size += add
    if cur:
        out.append((first, len(lines) - 1, b"\n".join(cur)))
    return out


def pack(text):
    """(content, compressed) the way the master stores a chunk (gz = zlib 9)."""
    z = zlib.compress(text, 9)
    return (z, 1) if len(z) < len(text) else (text, 0)


# The big log: one long integration run; every line varies (counters, hashes,
# timings) so each 64 KiB chunk compresses to a realistic ~1/5..1/8.
MODS = ["http.server", "db.pool", "cache.lru", "sched.queue", "storage.s3",
        "auth.ldap", "rpc.client", "metrics", "gc", "net.resolver"]
PYTESTS = ["tests/integration/test_%s.py" % f for f in FILES]
VARS = ["rc", "tmp", "len", "ctx", "idx", "buf", "node", "ret"]
LEVELS = ["DEBUG", "INFO ", "INFO ", "INFO ", "WARN ", "ERROR"]


def big_chunk(idx):
    """Worker: build chunk number idx of the big log; returns
    (nlines, raw_bytes, content, compressed).  raw_bytes counts each line
    without its stream char plus one newline (what /raw sends for it)."""
    rng = random.Random(idx * 7919 + 17)
    lines = []
    size = 0
    ms = idx * 61_000
    n = idx * 1500
    while True:
        r = rng.random()
        ms += rng.randrange(1, 80)
        n += 1
        if r < 0.30:
            line = "o%02d:%02d:%02d.%03d %s %-13s req=%08x %s %s -> %d in %.3f ms" % (
                (ms // 3_600_000) % 24, (ms // 60_000) % 60, (ms // 1000) % 60, ms % 1000,
                rng.choice(LEVELS), rng.choice(MODS), rng.getrandbits(32),
                rng.choice(["GET", "GET", "POST", "PUT", "DELETE"]),
                "/api/v1/%s/%d" % (rng.choice(FILES), rng.randrange(100000)),
                rng.choice([200, 200, 200, 201, 204, 304, 404, 500]), rng.random() * 250)
        elif r < 0.55:
            line = "o%s::test_%s_%s[%s-%d] PASSED%*s[%3d%%]" % (
                rng.choice(PYTESTS), rng.choice(FILES), rng.choice(["basic", "edge", "stress", "unicode"]),
                rng.choice(["sqlite", "pg", "mysql", "mem"]), rng.randrange(64),
                rng.randrange(1, 20), "", (n // 997) % 101)
        elif r < 0.72:
            line = "o[%d/%d] Building CXX object CMakeFiles/widget.dir/%s/%s_%d.cc.o" % (
                n % 50000, 50000, rng.choice(DIRS), rng.choice(FILES), rng.randrange(1000))
        elif r < 0.80:
            p = src_path(rng)
            line = "e%s:%d:%d: warning: unused variable \u2018%s\u2019 [-Wunused-variable]" % (
                p, rng.randrange(1, 5000), rng.randrange(1, 100), rng.choice(VARS))
        elif r < 0.90:
            line = "o  %08x: %s  %s" % (
                rng.getrandbits(32),
                " ".join("%02x" % rng.getrandbits(8) for _ in range(16)),
                "".join(rng.choice("abcdefghijklmnop.....") for _ in range(16)))
        elif r < 0.97:
            line = "e%02d:%02d:%02d WARNING %s: retrying connection to 10.%d.%d.%d:%d (attempt %d/5)" % (
                (ms // 3_600_000) % 24, (ms // 60_000) % 60, (ms // 1000) % 60,
                rng.choice(MODS), rng.randrange(256), rng.randrange(256), rng.randrange(256),
                rng.choice([5432, 3306, 6379, 443, 8080]), rng.randrange(1, 6))
        else:
            line = "o  sha256:%s  artifact-%d.tar.zst  %d bytes" % (
                hashlib.sha256(b"%d" % n).hexdigest(), n, rng.randrange(10**3, 10**9))
        b = line.encode("utf-8")
        add = len(b) + (1 if lines else 0)
        if size + add >= MAX_CHUNK:
            break
        lines.append(b)
        size += add
    text = b"\n".join(lines)
    content, comp = pack(text)
    return len(lines), len(text) - len(lines) + 1, content, comp


# --------------------------------------------------------------------------
# database helpers

def create_schema(path):
    """Empty DB with the schema created by the real master."""
    tmp = tempfile.mkdtemp(prefix="bbschema-")
    try:
        url = "sqlite:///" + os.path.abspath(path)
        subprocess.run(["buildbot", "create-master", "-r", "--db", url,
                        os.path.join(tmp, "m")], check=True, stdout=subprocess.DEVNULL)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def open_fast(path):
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=OFF")
    db.execute("PRAGMA synchronous=OFF")
    db.execute("PRAGMA cache_size=-262144")   # 256 MiB
    db.execute("PRAGMA temp_store=MEMORY")
    return db


def insert(db, table, rows):
    if not rows:
        return
    ph = ",".join("?" * len(rows[0]))
    db.executemany("INSERT INTO %s VALUES (%s)" % (table, ph), rows)


def columns(db, table):
    return [r[1] for r in db.execute("PRAGMA table_info(%s)" % table)]


class Tables:
    """Per-table row buffers, flushed with executemany.  Rows are built as
    dicts-by-position following the master's column order (checked once)."""

    EXPECT = {
        "builds": ["id", "number", "builderid", "buildrequestid", "workerid", "masterid",
                   "started_at", "complete_at", "state_string", "results"],
        "steps": ["id", "number", "name", "buildid", "started_at", "complete_at",
                  "state_string", "results", "urls_json", "hidden"],
        "logs": ["id", "name", "slug", "stepid", "complete", "num_lines", "type"],
        "logchunks": ["logid", "first_line", "last_line", "content", "compressed"],
        "changes": ["changeid", "author", "committer", "comments", "branch", "revision",
                    "revlink", "when_timestamp", "category", "repository", "codebase",
                    "project", "sourcestampid", "parent_changeids"],
        "change_files": ["changeid", "filename"],
        "change_properties": ["changeid", "property_name", "property_value"],
        "sourcestamps": ["id", "ss_hash", "branch", "revision", "patchid", "repository",
                         "codebase", "project", "created_at"],
        "buildsets": ["id", "external_idstring", "reason", "submitted_at", "complete",
                      "complete_at", "results", "parent_buildid", "parent_relationship"],
        "buildset_properties": ["buildsetid", "property_name", "property_value"],
        "buildset_sourcestamps": ["id", "buildsetid", "sourcestampid"],
        "buildrequests": ["id", "buildsetid", "builderid", "priority", "complete", "results",
                          "submitted_at", "complete_at", "waited_for"],
        "buildrequest_claims": ["brid", "masterid", "claimed_at"],
        "build_properties": ["buildid", "name", "value", "source"],
        "builders": ["id", "name", "description", "name_hash"],
        "tags": ["id", "name", "name_hash"],
        "builders_tags": ["id", "builderid", "tagid"],
        "workers": ["id", "name", "info", "paused", "graceful"],
        "masters": ["id", "name", "name_hash", "active", "last_active"],
        "schedulers": ["id", "name", "name_hash", "enabled"],
        "changesources": ["id", "name", "name_hash"],
        "users": ["uid", "identifier", "bb_username", "bb_password"],
        "change_users": ["changeid", "uid"],
    }

    def __init__(self, db):
        self.db = db
        self.buf = {t: [] for t in self.EXPECT}
        for t, cols in self.EXPECT.items():
            got = columns(db, t)
            if got != cols:
                raise SystemExit("schema mismatch for %s: %r" % (t, got))

    def add(self, table, row):
        self.buf[table].append(row)

    def flush(self):
        for t, rows in self.buf.items():
            insert(self.db, t, rows)
            rows.clear()


def drop_indexes(db):
    idx = db.execute("SELECT name, sql FROM sqlite_master WHERE type='index' "
                     "AND sql IS NOT NULL").fetchall()
    for name, _ in idx:
        db.execute('DROP INDEX "%s"' % name)
    return idx


def restore_indexes(db, idx):
    for _, sql in idx:
        db.execute(sql)


# --------------------------------------------------------------------------
# generation

class Gen:
    def __init__(self, db, scale, big_bytes, jobs, log=print):
        self.db = db
        self.T = Tables(db)
        self.scale = scale
        self.big_bytes = big_bytes
        self.jobs = jobs
        self.log = log
        self.rng = random.Random(20231114)
        self.meta = {}
        self.pool = {}

    # pools of pre-compressed small logs (a build's compile log resembles
    # other builds' compile logs; the DB still stores each copy)
    def small_pool(self):
        rng = random.Random(42)
        for kind in STEP_NAMES[1:] + ["summary"]:
            variants = []
            for v in range(48):
                lines = small_log_lines(rng, kind, v)
                chunks = [(f, l, *pack(t)) for f, l, t in chunk_lines(lines)]
                variants.append((len(lines), chunks))
            self.pool[kind] = variants

    def static_rows(self):
        T = self.T
        T.add("masters", (1, "bench-gen:/srv/buildbot/master", name_hash("bench-gen:/srv/buildbot/master"),
                          0, T_END))
        names = []
        for p in PLATFORMS:
            for v in VARIANTS:
                names.append("%s-%s" % (p, v))
        self.nbuilders = len(names)
        tags = ["linux", "bsd", "macos", "windows", "gcc", "clang", "asan", "release", "coverage", "nightly"]
        for i, t in enumerate(tags, 1):
            T.add("tags", (i, t, name_hash(t)))
        bt = 0
        for i, n in enumerate(names, 1):
            T.add("builders", (i, n, "Builds and tests widget on %s" % n.replace("-", " "), name_hash(n)))
            plat = n.split("-")[0]
            mine = [tags.index({"freebsd": "bsd", "alpine": "linux"}.get(plat, plat)) + 1,
                    tags.index(n.rsplit("-", 1)[1]) + 1]
            if i % 7 == 0:
                mine.append(tags.index("nightly") + 1)
            for tg in mine:
                bt += 1
                T.add("builders_tags", (bt, i, tg))
        self.builder_names = names
        for i, w in enumerate(WORKERS, 1):
            info = {"admin": "Build Team <builds@example.org>",
                    "host": "%s.ci.example.org (Debian 12, %d cores)" % (w, 4 << (i % 3)),
                    "access_uri": None, "version": "3.7.0",
                    "basedir": "/home/buildbot/worker", "os_release": "Debian GNU/Linux 12 (bookworm)"}
            T.add("workers", (i, w, jd(info), 1 if i == 20 else 0, 0))
        for i, s in enumerate(["all", "nightly", "force", "release"], 1):
            T.add("schedulers", (i, s, name_hash(s), 1))
        T.add("changesources", (1, "GitPoller:" + REPO, name_hash("GitPoller:" + REPO)))
        for i, a in enumerate(AUTHORS, 1):
            T.add("users", (i, "%s" % a.split("<")[1].rstrip(">"), None, None))
        T.flush()

    def run(self):
        t0 = time.time()
        self.small_pool()
        self.log("bench_large: small log pool ready (%.1fs)" % (time.time() - t0))
        self.static_rows()
        T, rng = self.T, self.rng
        nb = self.nbuilders
        per_builder = max(4, int(round(2002 * self.scale)))
        nbuilds = nb * per_builder
        nbs = nbuilds // 2                          # two requests per buildset
        nforced = nbs // 50
        ntriggered = nbs - nforced
        nchanges = ntriggered + ntriggered // 5     # every 6th change builds nothing
        span = T_END - T0 - 86400
        step_dt = span / nchanges

        # changes + sourcestamps (one per change), in time order
        trig_ss = []                                # (ssid, when, branch, rev)
        last_on_branch = {}
        ssid = 0
        for c in range(1, nchanges + 1):
            when = T0 + int(c * step_dt) + rng.randrange(int(step_dt) // 2 + 1)
            builds_it = (c % 6) != 5
            if builds_it:
                branch = "master" if rng.random() < 0.9 else "release/%d.%d" % (1 + c * 3 // nchanges, c % 4)
            else:
                branch = "feature/%s-%d" % (rng.choice(FILES), c % 997)
            rev = hashlib.sha1(b"change-%d" % c).hexdigest()
            ssid += 1
            T.add("sourcestamps", (ssid, ss_hash(branch, rev, REPO, PROJECT, "", None), branch, rev,
                                   None, REPO, "", PROJECT, when))
            a = AUTHORS[rng.randrange(len(AUTHORS))]
            msg = "%s %s" % (rng.choice(VERBS), rng.choice(NOUNS))
            if rng.random() < 0.6:
                msg += "\n\n%s the %s path; see issue #%d." % (
                    rng.choice(VERBS), rng.choice(NOUNS), rng.randrange(1, 20000))
            T.add("changes", (c, a, a, msg, branch, rev,
                              "https://git.example.org/acme/widget/commit/" + rev, when, None,
                              REPO, "", PROJECT, ssid, last_on_branch.get(branch)))
            last_on_branch[branch] = c
            for f in range(1 + rng.randrange(5)):
                T.add("change_files", (c, src_path(rng)))
            if c % 10 == 0:
                T.add("change_properties", (c, "event", jd(["push", "Change"])))
            T.add("change_users", (c, 1 + AUTHORS.index(a)))
            if builds_it:
                trig_ss.append((ssid, when, branch))
            if c % 20000 == 0:
                T.flush()
        # the shared sourcestamp of forced builds (no revision)
        ssid += 1
        forced_ss = ssid
        T.add("sourcestamps", (ssid, ss_hash("master", None, REPO, PROJECT, "", None), "master", None,
                               None, REPO, "", PROJECT, T0 + 3600))
        T.flush()
        self.meta["changes"] = nchanges
        self.log("bench_large: %d changes (%.1fs)" % (nchanges, time.time() - t0))

        # buildsets -> 2 buildrequests -> builds -> steps -> logs -> chunks
        buildnum = [0] * (nb + 1)
        buildid = brid = stepid = logid = bss = 0
        trig_iter = iter(trig_ss)
        forced_every = nbs // max(1, nforced)
        running_from = nbs - 3                      # the last few buildsets are still running
        self.meta["running_builds"] = 0
        for bs in range(1, nbs + 1):
            forced = nforced and bs % forced_every == 0 and bs // forced_every <= nforced
            if forced:
                ss, when, branch = forced_ss, None, "master"
            else:
                try:
                    ss, when, branch = next(trig_iter)
                except StopIteration:
                    ss, when, branch = forced_ss, None, "master"
            if when is None:
                when = T0 + int(bs * (span / nbs))
            submitted = when + 5 + rng.randrange(60)
            running = bs > running_from
            bss += 1
            T.add("buildset_sourcestamps", (bss, bs, ss))
            if forced:
                who = FIRST[bs % len(FIRST)]
                reason = "A build was forced by '%s': rebuild" % who
                T.add("buildset_properties", (bs, "scheduler", jd(["force", "Scheduler"])))
                T.add("buildset_properties", (bs, "owner", jd([who, "Force Build Form"])))
                T.add("buildset_properties", (bs, "reason", jd(["rebuild", "Force Build Form"])))
            else:
                reason = "The SingleBranchScheduler scheduler named 'all' triggered this build"
                T.add("buildset_properties", (bs, "scheduler", jd(["all", "Scheduler"])))
            b_results, b_done = [], []
            for k in range(2):
                builderid = ((bs - 1) * 2 + k) % nb + 1
                brid += 1
                buildid += 1
                buildnum[builderid] += 1
                workerid = 1 + (builderid * 4 + rng.randrange(4)) % len(WORKERS)
                start = submitted + rng.randrange(1, 120)
                r = rng.random()
                res = 0 if r < 0.84 else 1 if r < 0.91 else 2 if r < 0.975 else 4 if r < 0.99 else 6
                fail_step = rng.randrange(2, 10) if res in (2, 4, 6) and not running else None
                t = start
                nsteps = 10
                if running:
                    nsteps = 3 + k * 2
                    self.meta["running_builds"] += 1
                for sn in range(nsteps):
                    stepid += 1
                    name = STEP_NAMES[sn]
                    dur = rng.randrange(1, 30) if sn != 3 and sn != 4 else rng.randrange(60, 900)
                    s_start, s_end = t, t + dur
                    t = s_end + 1
                    if running and sn == nsteps - 1:
                        s_res, s_end, state, done = None, None, {"compile": "compiling", "test": "testing"}.get(
                            name, "running"), 0
                    elif fail_step is not None and sn > fail_step:
                        s_res, state, done = 3, "skipped", 1
                        s_end = s_start
                    else:
                        if fail_step == sn:
                            s_res = res
                        elif res == 1 and sn == 3:
                            s_res = 1
                        else:
                            s_res = 0
                        state = {"worker_preparation": "worker ready", "git": "update",
                                 "configure": "configured", "compile": "compiled",
                                 "test": "%d tests %d passed" % (900 + builderid, 900 + builderid),
                                 "lint": "lint", "docs": "docs built", "package": "packaged",
                                 "upload": "uploaded", "cleanup": "cleaned"}[name] + RESULT_TEXT[s_res]
                        done = 1
                    urls = "[]"
                    if name == "upload" and s_res == 0:
                        urls = jd([{"name": "widget.tar.gz",
                                    "url": "https://artifacts.example.org/widget/%d/widget.tar.gz" % buildid}])
                    T.add("steps", (stepid, sn, name, buildid, s_start, s_end, state, s_res, urls, 0))
                    if sn == 0:
                        continue
                    kinds = [("stdio", name, "s")]
                    if name == "test" and s_res is not None and s_res != 3:
                        kinds.append(("summary", "summary", "t"))
                    for lname, kind, ltype in kinds:
                        logid += 1
                        nl, chunks = self.pool[kind][(buildid * 31 + sn) % 48]
                        if not done:
                            chunks = chunks[:1]
                            nl = chunks[0][1] + 1
                        T.add("logs", (logid, lname, lname, stepid, done, nl, ltype))
                        for f, l, content, comp in chunks:
                            T.add("logchunks", (logid, f, l, content, comp))
                if running:
                    b_end, b_res, b_state = None, None, "building"
                else:
                    b_end, b_res = t, res
                    b_state = {0: "build successful", 1: "build successful (warnings)",
                               2: "failed %s (failure)" % STEP_NAMES[fail_step or 0],
                               4: "exception %s (exception)" % STEP_NAMES[fail_step or 0],
                               6: "cancelled (cancelled)"}[res]
                T.add("buildrequests", (brid, bs, builderid, 0, 0 if running else 1,
                                        -1 if running else b_res, submitted, b_end, 0))
                T.add("buildrequest_claims", (brid, 1, start - 1))
                T.add("builds", (buildid, buildnum[builderid], builderid, brid, workerid, 1, start,
                                 b_end, b_state, b_res))
                bname = self.builder_names[builderid - 1]
                props = [("buildername", bname, "Builder"), ("buildnumber", buildnum[builderid], "Build"),
                         ("workername", WORKERS[workerid - 1], "Worker"),
                         ("branch", branch, "Build"), ("repository", REPO, "Build"),
                         ("project", PROJECT, "Build"), ("scheduler", "force" if forced else "all", "Scheduler"),
                         ("builddir", "/home/buildbot/worker/" + bname, "Worker")]
                if not running:
                    props.append(("got_revision", hashlib.sha1(b"change-%d" % ss).hexdigest(), "Git"))
                for pn, pv, src in props:
                    T.add("build_properties", (buildid, pn, jd(pv), src))
                b_results.append(b_res)
                b_done.append(b_end)
            if running:
                T.add("buildsets", (bs, None, reason, submitted, 0, None, -1, None, None))
            else:
                worst = max(b_results, key=lambda x: [3, 0, 1, 2, 4, 5, 6].index(x))
                T.add("buildsets", (bs, None, reason, submitted, 1, max(b_done), worst, None, None))
            if bs % 2000 == 0:
                T.flush()
        # a few pending (unclaimed) requests waiting for a build
        for k in range(6):
            bs = nbs + 1 + k
            submitted = T_END - 600 + k * 30
            T.add("buildsets", (bs, None, "The SingleBranchScheduler scheduler named 'all' triggered this build",
                                submitted, 0, None, -1, None, None))
            bss += 1
            T.add("buildset_sourcestamps", (bss, bs, trig_ss[-1][0]))
            T.add("buildset_properties", (bs, "scheduler", jd(["all", "Scheduler"])))
            brid += 1
            T.add("buildrequests", (brid, bs, 1 + k, 0, 0, -1, submitted, None, 0))
        T.flush()
        self.meta.update(builds=buildid, steps=stepid, buildsets=nbs + 6, buildrequests=brid,
                         builders=nb)
        self.log("bench_large: %d builds, %d steps, %d logs (%.1fs)" % (buildid, stepid, logid, time.time() - t0))

        # the two special logs, on the newest complete build of builder 1
        last_b1 = self.db.execute("SELECT max(id) FROM builds WHERE builderid=1 AND complete_at IS NOT NULL").fetchone()[0]
        sids = dict(self.db.execute("SELECT name, id FROM steps WHERE buildid=?", (last_b1,)).fetchall())
        logid += 1
        mid_lines, mid_raw = add_mid_log(self.db, logid, sids["compile"])
        self.meta.update(mid_logid=logid, mid_num_lines=mid_lines, mid_raw_bytes=mid_raw,
                         special_buildid=last_b1)
        logid += 1
        self.meta.update(big_logid=logid, **self.big_log(logid, sids["test"]))
        self.meta["logs"] = logid
        self.log("bench_large: big log %d lines, %d raw bytes (%.1fs)"
                 % (self.meta["big_num_lines"], self.meta["big_raw_bytes"], time.time() - t0))

    def big_log(self, logid, stepid):
        first = 0
        raw = comp_total = nchunks = 0
        rows = []
        with multiprocessing.Pool(self.jobs) as pool:
            for nl, rb, content, comp in pool.imap(big_chunk, range(10**7), chunksize=8):
                rows.append((logid, first, first + nl - 1, content, comp))
                first += nl
                raw += rb
                comp_total += len(content)
                nchunks += 1
                if len(rows) >= 512:
                    insert(self.db, "logchunks", rows)
                    rows = []
                if raw >= self.big_bytes:
                    break
            pool.terminate()
        insert(self.db, "logchunks", rows)
        insert(self.db, "logs", [(logid, "full-output", "full-output", stepid, 1, first, "s")])
        return dict(big_num_lines=first, big_raw_bytes=raw, big_stored_bytes=comp_total, big_chunks=nchunks)


def add_mid_log(db, logid, stepid, slug="verbose", target=250_000):
    """A ~250 KB stdio log (about four 64 KiB chunks) on step stepid."""
    rng = random.Random(250)
    lines = header_lines(rng, ["ninja", "-C", "_build", "-v", "-j8"])
    i = 0
    raw = sum(len(l.encode()) for l in lines)
    while raw < target:
        i += 1
        p = src_path(rng)
        line = "o[%d/2900] /usr/bin/c++ -DWIDGET_HAVE_ZLIB -I../include -I. -O2 -g -Wall -Wextra -MD -MT %s.o -MF %s.o.d -o %s.o -c ../%s" % (
            i, p, p, p, p)
        if rng.random() < 0.05:
            line = "e../%s:%d:%d: warning: comparison of integer expressions of different signedness [-Wsign-compare]" % (
                p, rng.randrange(1, 4000), rng.randrange(1, 90))
        lines.append(line)
        raw += len(line.encode())
    lines += footer_lines(rng)
    raw = sum(len(l.encode()) for l in lines)
    rows = [(logid, f, l, *pack(t)) for f, l, t in chunk_lines(lines)]
    insert(db, "logchunks", rows)
    insert(db, "logs", [(logid, slug, slug, stepid, 1, len(lines), "s")])
    return len(lines), raw


# --------------------------------------------------------------------------
# commands

def meta_path(out):
    return out + ".meta.json"


def check(out):
    try:
        with open(meta_path(out)) as f:
            meta = json.load(f)
    except (OSError, ValueError):
        return None
    if meta.get("version") != GEN_VERSION or not os.path.exists(out):
        return None
    if os.path.getsize(out) != meta.get("db_size"):
        return None
    return meta


def cmd_generate(args):
    out = os.path.abspath(args.out)
    if not args.force and check(out):
        print("bench_large: %s is complete, reusing it" % out)
        return 0
    t0 = time.time()
    tmp = out + ".tmp"
    for p in (out, meta_path(out), tmp, tmp + "-wal", tmp + "-shm", tmp + "-journal"):
        if os.path.exists(p):
            os.unlink(p)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    create_schema(tmp)
    db = open_fast(tmp)
    idx = drop_indexes(db)
    db.execute("BEGIN")
    g = Gen(db, args.scale, int(args.big_mib * 1024 * 1024), args.jobs)
    g.run()
    t1 = time.time()
    restore_indexes(db, idx)
    db.execute("COMMIT")
    print("bench_large: indexes rebuilt (%.1fs)" % (time.time() - t1))
    db.execute("PRAGMA journal_mode=WAL")     # what the master does
    db.close()
    os.rename(tmp, out)
    meta = dict(g.meta, version=GEN_VERSION, scale=args.scale, db_size=os.path.getsize(out),
                gen_seconds=round(time.time() - t0, 1))
    with open(meta_path(out) + ".tmp", "w") as f:
        json.dump(meta, f, indent=1, sort_keys=True)
    os.rename(meta_path(out) + ".tmp", meta_path(out))
    print("bench_large: wrote %s (%.0f MB) in %.1fs" % (out, meta["db_size"] / 1e6, meta["gen_seconds"]))
    return 0


def cmd_addlog(args):
    """Add the ~250 KB log to the newest complete build's last step of DB
    (used on a copy of the small fixture DB so both DBs have it)."""
    db = sqlite3.connect(args.db, isolation_level=None)
    db.execute("BEGIN IMMEDIATE")
    stepid = db.execute("SELECT s.id FROM steps s JOIN builds b ON b.id = s.buildid "
                        "WHERE b.complete_at IS NOT NULL ORDER BY b.id DESC, s.number DESC LIMIT 1").fetchone()
    if stepid is None:
        raise SystemExit("bench_large: no complete build with steps in %s" % args.db)
    row = db.execute("SELECT id FROM logs WHERE stepid=? AND slug='bench-250k'", stepid).fetchone()
    if row:
        db.execute("ROLLBACK")
        print(row[0])
        return 0
    logid = db.execute("SELECT coalesce(max(id), 0) + 1 FROM logs").fetchone()[0]
    add_mid_log(db, logid, stepid[0], slug="bench-250k")
    db.execute("COMMIT")
    db.close()
    print(logid)
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("generate")
    g.add_argument("out")
    g.add_argument("--scale", type=float, default=1.0, help="fraction of the default size (tests)")
    g.add_argument("--big-mib", type=float, default=1024.0, help="raw size of the big log in MiB")
    g.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    g.add_argument("--force", action="store_true")
    a = sub.add_parser("addlog")
    a.add_argument("db")
    c = sub.add_parser("check")
    c.add_argument("out")
    args = ap.parse_args()
    if args.cmd == "generate":
        return cmd_generate(args)
    if args.cmd == "addlog":
        return cmd_addlog(args)
    return 0 if check(os.path.abspath(args.out)) else 1


if __name__ == "__main__":
    sys.exit(main())
