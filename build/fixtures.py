#!/usr/bin/python3
"""Deterministic fixture data for mod_bbwww tests.

    build/fixtures.py DBURL            fill a freshly created Buildbot 3.7 schema
    build/fixtures.py --summary DBURL  print the id tables of t/fixtures/README.md
    build/fixtures.py --dump DBURL     print every table, rows sorted (for diffs)
    build/fixtures.py --touch DBURL    set last_active = now on active masters

DBURL is `sqlite:////abs/path` (`sqlite:///rel/path` is taken relative to the
current directory) or `postgresql://user@127.0.0.1:PORT/db` (psycopg2).

The schema must exist already: the real master creates it (build/mkdb.sh does
both steps). Ids and timestamps are fixed (around T0 = 1717000000), except the
`last_active` of active masters, which is the time of the run so that a real
master started on the database soon after does not expire them (it does after
10 minutes of silence: use --touch to refresh them).

Importable: `connect(dburl)` gives a small DB wrapper, `Writer` inserts rows
with per-table id counters and knows the value encodings (name hashes,
sourcestamp hashes, JSON columns, log chunking and compression).
"""

import base64
import bz2
import hashlib
import json
import os
import re
import struct
import sys
import time
import zlib

try:
    import lz4.block as _lz4_block
except ImportError:  # Debian: python3-lz4 (build/deps.sh installs it)
    _lz4_block = None

T0 = 1717000000
DAY = 86400
SESSION_SECRET = "3f6a1c9e2b7d4f08a5c1e6b9d2f7a4c3"

SUCCESS, WARNINGS, FAILURE, SKIPPED, EXCEPTION, RETRY, CANCELLED = range(7)
RESULT_NAMES = ["success", "warnings", "failure", "skipped", "exception", "retry", "cancelled"]
RAW, ZLIB, BZ2, LZ4 = range(4)


# --------------------------------------------------------------------------
# Database access

class Db:
    """A DB-API connection plus the few things that differ per backend."""

    def __init__(self, dburl):
        self.url = dburl
        if dburl.startswith("sqlite:///"):
            import sqlite3
            self.kind = "sqlite"
            self.path = sqlite_path(dburl)
            self.conn = sqlite3.connect(self.path, timeout=30)
            self.binary = bytes
        elif re.match(r"postgres(ql)?(\+\w+)?://", dburl):
            import psycopg2
            self.kind = "postgresql"
            self.conn = psycopg2.connect(re.sub(r"^postgres(ql)?(\+\w+)?://", "postgresql://", dburl))
            self.binary = psycopg2.Binary
        else:
            raise SystemExit(f"fixtures: unsupported DB URL {dburl!r}")

    def execute(self, sql, params=()):
        """Runs SQL written with `?` placeholders; returns the cursor."""
        if self.kind == "postgresql":
            sql = sql.replace("%", "%%").replace("?", "%s")
        cur = self.conn.cursor()
        cur.execute(sql, params)
        return cur

    def query(self, sql, params=()):
        return self.execute(sql, params).fetchall()

    def insert(self, table, row):
        cols = list(row)
        values = [self.binary(v) if isinstance(v, bytes) else v for v in row.values()]
        self.execute(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                     values)

    def tables(self):
        if self.kind == "sqlite":
            rows = self.query("SELECT name FROM sqlite_master WHERE type = 'table' "
                              "AND name NOT LIKE 'sqlite_%' ORDER BY name")
        else:
            rows = self.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                              "ORDER BY tablename")
        return [r[0] for r in rows]

    def reset_sequences(self):
        """PostgreSQL: move SERIAL sequences past the ids we inserted by hand."""
        if self.kind != "postgresql":
            return
        rows = self.query("SELECT table_name, column_name FROM information_schema.columns "
                          "WHERE table_schema = 'public' AND column_default LIKE 'nextval(%'")
        for table, column in rows:
            self.execute(f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), "
                         f"COALESCE((SELECT MAX({column}) FROM {table}), 1), "
                         f"(SELECT MAX({column}) FROM {table}) IS NOT NULL)")

    def commit(self):
        self.conn.commit()

    def close(self):
        self.conn.close()


def sqlite_path(dburl):
    path = dburl[len("sqlite:///"):]
    path = path.split("?", 1)[0]
    return path if path.startswith("/") else os.path.abspath(path)


def connect(dburl):
    return Db(dburl)


# --------------------------------------------------------------------------
# Value encodings (db-schema.md §1.2 and the logchunks section)

def name_hash(name):
    return hashlib.sha1(name.encode("utf-8")).hexdigest()


def ss_hash(branch, revision, repository, project, codebase, patchid):
    def enc(v):
        if v is None:
            return b"\xf5"
        return (v if isinstance(v, str) else str(v)).encode("utf-8")
    parts = (branch, revision, repository, project, codebase, patchid)
    return hashlib.sha1(b"\0".join(enc(v) for v in parts)).hexdigest()


def dumps(value):
    """JSON exactly as Buildbot's json.dumps with default options writes it."""
    return json.dumps(value)


def slug_for(name):
    """Log slug: the name if it is an identifier (<= 50), else a sanitised copy."""
    if re.match("^[a-zA-Z\u00a0-\U0010ffff_-][a-zA-Z0-9\u00a0-\U0010ffff_-]*$", name) and len(name) <= 50:
        return name
    s = re.sub("^[^a-zA-Z_-]", "_", name[:50])
    return re.sub("[^a-zA-Z0-9_-]", "_", s)


def lz4_block_encode(data):
    """LZ4 block format (greedy, 4-byte matches), no size prefix.

    Only used when python3-lz4 is missing; output is valid LZ4 but not
    byte-identical to liblz4's."""
    n = len(data)
    out = bytearray()

    def length_bytes(v):
        while v >= 255:
            out.append(255)
            v -= 255
        out.append(v)

    def sequence(lit_start, lit_end, offset=0, match_len=0):
        lits = lit_end - lit_start
        ml = match_len - 4 if match_len else 0
        out.append((min(lits, 15) << 4) | (min(ml, 15) if match_len else 0))
        if lits >= 15:
            length_bytes(lits - 15)
        out.extend(data[lit_start:lit_end])
        if match_len:
            out.extend(struct.pack("<H", offset))
            if ml >= 15:
                length_bytes(ml - 15)

    anchor = i = 0
    last_seen = {}
    limit = n - 12  # the last match must start >= 12 bytes before the end
    while i < limit:
        key = data[i:i + 4]
        cand = last_seen.get(key)
        last_seen[key] = i
        if cand is None or i - cand > 65535:
            i += 1
            continue
        m = 4
        max_len = n - 5 - i  # the last 5 bytes are always literals
        while m < max_len and data[cand + m] == data[i + m]:
            m += 1
        sequence(anchor, i, i - cand, m)
        i += m
        anchor = i
    sequence(anchor, n)
    return bytes(out)


def compress(data, code):
    """Compresses one chunk payload as logchunks.compressed `code` says."""
    if code == RAW:
        return data
    if code == ZLIB:
        return zlib.compress(data, 9)
    if code == BZ2:
        return bz2.compress(data, 9)
    if code == LZ4:
        if _lz4_block is not None:
            return _lz4_block.compress(data)
        return struct.pack("<I", len(data)) + lz4_block_encode(data)
    raise ValueError(f"unknown compression code {code}")


def decompress(blob, code):
    if code == RAW:
        return bytes(blob)
    if code == ZLIB:
        return zlib.decompress(blob)
    if code == BZ2:
        return bz2.decompress(blob)
    if code == LZ4:
        return _lz4_block.decompress(bytes(blob))
    raise ValueError(f"unknown compression code {code}")


def chunk_lines(lines, max_bytes=65535, max_lines=1000):
    """Splits lines into chunks as the master stores them: whole lines, each
    chunk's UTF-8 payload (lines joined by \\n) < 64 KiB and <= max_lines."""
    chunks, cur, size = [], [], 0
    for line in lines:
        n = len(line.encode("utf-8")) + (1 if cur else 0)
        if cur and (size + n > max_bytes or len(cur) >= max_lines):
            chunks.append(cur)
            cur, size, n = [], 0, n - 1
        cur.append(line)
        size += n
    if cur:
        chunks.append(cur)
    return chunks


# --------------------------------------------------------------------------
# Row writer with fixed, sequential ids

class Writer:
    """Inserts Buildbot rows. Ids come from per-table counters (start them
    elsewhere by setting `ids[table]`), so a run is fully reproducible."""

    def __init__(self, db):
        self.db = db
        self.ids = {}
        self.tag_ids = {}

    def next_id(self, table):
        self.ids[table] = self.ids.get(table, 0) + 1
        return self.ids[table]

    def row(self, table, **cols):
        self.db.insert(table, cols)

    def add(self, table, **cols):
        cols = {"id": self.next_id(table), **cols}
        self.db.insert(table, cols)
        return cols["id"]

    # -- masters, builders, workers ---------------------------------------
    def master(self, name, active, last_active):
        return self.add("masters", name=name, name_hash=name_hash(name),
                        active=int(active), last_active=last_active)

    def tag(self, name):
        if name not in self.tag_ids:
            self.tag_ids[name] = self.add("tags", name=name, name_hash=name_hash(name))
        return self.tag_ids[name]

    def builder(self, name, description=None, tags=(), masterids=()):
        """Returns (builderid, {masterid: builder_masters.id})."""
        bid = self.add("builders", name=name, description=description, name_hash=name_hash(name))
        for tagid in sorted(self.tag(t) for t in tags):
            self.add("builders_tags", builderid=bid, tagid=tagid)
        bm = {m: self.add("builder_masters", builderid=bid, masterid=m) for m in masterids}
        return bid, bm

    def worker(self, name, info, paused=0, graceful=0):
        return self.add("workers", name=name, info=dumps(info), paused=paused, graceful=graceful)

    # -- sources ------------------------------------------------------------
    def patch(self, body, level, author, comment, subdir=None):
        return self.add("patches", patchlevel=level,
                        patch_base64=base64.b64encode(body).decode("ascii"),
                        patch_author=author, patch_comment=comment, subdir=subdir)

    def sourcestamp(self, branch, revision, repository, project, codebase, created_at, patchid=None):
        return self.add("sourcestamps",
                        ss_hash=ss_hash(branch, revision, repository, project, codebase, patchid),
                        branch=branch, revision=revision, patchid=patchid,
                        repository=repository, codebase=codebase, project=project,
                        created_at=created_at)

    def change(self, ssid, author, comments, when, branch, revision, repository, project="",
               codebase="", committer=None, revlink="", category=None, parent=None,
               files=(), properties=()):
        """properties: (name, value) pairs stored as [value, "Change"], or
        (name, value, "bare") for the legacy bare-value form."""
        cid = self.next_id("changes")
        self.row("changes", changeid=cid, author=author, committer=committer, comments=comments,
                 branch=branch, revision=revision, revlink=revlink, when_timestamp=when,
                 category=category, repository=repository, codebase=codebase, project=project,
                 sourcestampid=ssid, parent_changeids=parent)
        for f in files:
            self.row("change_files", changeid=cid, filename=f)
        for prop in properties:
            value = prop[1] if len(prop) == 3 else [prop[1], "Change"]
            self.row("change_properties", changeid=cid, property_name=prop[0],
                     property_value=dumps(value))
        return cid

    # -- buildsets and requests ----------------------------------------------
    def buildset(self, reason, submitted_at, ssids, complete_at=None, results=-1,
                 external_idstring=None, properties=(), parent_relationship=None):
        """properties: (name, value, source). parent_buildid is set later with
        set_parent_build (the parent build usually does not exist yet)."""
        bsid = self.add("buildsets", external_idstring=external_idstring, reason=reason,
                        submitted_at=submitted_at, complete=int(complete_at is not None),
                        complete_at=complete_at, results=results, parent_buildid=None,
                        parent_relationship=parent_relationship)
        for name, value, source in properties:
            self.row("buildset_properties", buildsetid=bsid, property_name=name,
                     property_value=dumps([value, source]))
        for ssid in ssids:
            self.add("buildset_sourcestamps", buildsetid=bsid, sourcestampid=ssid)
        return bsid

    def set_parent_build(self, bsid, buildid):
        self.db.execute("UPDATE buildsets SET parent_buildid = ? WHERE id = ?", (buildid, bsid))

    def buildrequest(self, bsid, builderid, submitted_at, priority=0, complete_at=None,
                     results=-1, waited_for=0, claim=None):
        """claim: (masterid, claimed_at) or None."""
        brid = self.add("buildrequests", buildsetid=bsid, builderid=builderid, priority=priority,
                        complete=int(complete_at is not None), results=results,
                        submitted_at=submitted_at, complete_at=complete_at, waited_for=waited_for)
        if claim:
            self.row("buildrequest_claims", brid=brid, masterid=claim[0], claimed_at=claim[1])
        return brid

    # -- builds, steps, logs --------------------------------------------------
    def build(self, number, builderid, brid, workerid, masterid, started_at, complete_at,
              results, state_string, properties=()):
        """properties: (name, value, source)."""
        bid = self.add("builds", number=number, builderid=builderid, buildrequestid=brid,
                       workerid=workerid, masterid=masterid, started_at=started_at,
                       complete_at=complete_at, state_string=state_string, results=results)
        for name, value, source in properties:
            self.row("build_properties", buildid=bid, name=name, value=dumps(value), source=source)
        return bid

    def build_data(self, buildid, name, value, source):
        return self.add("build_data", buildid=buildid, name=name, value=value,
                        length=len(value), source=source)

    def step(self, buildid, number, name, started_at, complete_at, results, state_string,
             urls=(), hidden=0):
        return self.add("steps", number=number, name=name, buildid=buildid,
                        started_at=started_at, complete_at=complete_at,
                        state_string=state_string, results=results,
                        urls_json=dumps([{"name": n, "url": u} for n, u in urls]),
                        hidden=hidden)

    def log(self, stepid, name, type, lines, codes=ZLIB, complete=1, slug=None,
            num_lines=None, max_lines=1000):
        """Writes a log and its chunks. `codes` is one compression code or a
        list used per chunk in turn. Type 'd' logs keep num_lines, no chunks."""
        logid = self.add("logs", name=name, slug=slug or slug_for(name), stepid=stepid,
                         complete=complete,
                         num_lines=len(lines) if num_lines is None else num_lines, type=type)
        if type == "d":
            return logid
        codes = codes if isinstance(codes, (list, tuple)) else [codes]
        first = 0
        for i, chunk in enumerate(chunk_lines(lines, max_lines=max_lines)):
            code = codes[i % len(codes)]
            payload = "\n".join(chunk).encode("utf-8")
            self.row("logchunks", logid=logid, first_line=first, last_line=first + len(chunk) - 1,
                     content=compress(payload, code), compressed=code)
            first += len(chunk)
        return logid

    # -- test results -----------------------------------------------------------
    def test_result_set(self, builderid, buildid, stepid, category, value_unit, description=None,
                        tests_passed=None, tests_failed=None, complete=1, results=()):
        """results: (name, code_path, line, duration_ns, value); names/paths may be None."""
        setid = self.add("test_result_sets", builderid=builderid, buildid=buildid, stepid=stepid,
                         description=description, category=category, value_unit=value_unit,
                         tests_passed=tests_passed, tests_failed=tests_failed, complete=complete)
        for name, path, line, duration, value in results:
            self.add("test_results", builderid=builderid, test_result_setid=setid,
                     test_nameid=self._test_ref("test_names", "name", builderid, name),
                     test_code_pathid=self._test_ref("test_code_paths", "path", builderid, path),
                     line=line, duration_ns=duration, value=value)
        return setid

    def _test_ref(self, table, column, builderid, value):
        if value is None:
            return None
        cache = self.__dict__.setdefault("_" + table, {})
        key = (builderid, value)
        if key not in cache:
            cache[key] = self.add(table, builderid=builderid, **{column: value})
        return cache[key]

    # -- objects --------------------------------------------------------------
    def object_state(self, name, class_name, states):
        oid = self.add("objects", name=name, class_name=class_name)
        for key, value in states:
            self.row("object_state", objectid=oid, name=key, value_json=dumps(value))
        return oid


# --------------------------------------------------------------------------
# Log content generators (deterministic)

def rev(seed):
    return hashlib.sha1(seed.encode("utf-8")).hexdigest()


def stdio(argv, workdir, out_lines, rc=0, elapsed=1.5, env=None):
    """A stdio log as a ShellCommand writes it: header lines, output, footer."""
    lines = ["h" + " ".join(argv),
             f"h in dir {workdir} (timeout 1200 secs)",
             "h watching logfiles {}",
             f"h argv: {argv!r}",
             "h environment:"]
    for k, v in (env or [("HOME", "/home/buildbot"), ("LANG", "C.UTF-8"),
                         ("PATH", "/usr/local/bin:/usr/bin:/bin"), ("PWD", workdir)]):
        lines.append(f"h  {k}={v}")
    lines.append("h using PTY: False")
    lines.extend(out_lines)
    lines.append(f"hprogram finished with exit code {rc}")
    lines.append(f"helapsedTime={elapsed:.6f}")
    return lines


def git_lines(workdir, repo, branch, revision):
    return stdio(["git", "fetch", "-f", "-t", repo, branch, "--progress"], workdir,
                 ["eFrom " + repo,
                  f"e * branch            {branch}       -> FETCH_HEAD",
                  "eremote: Enumerating objects: 12, done.\rremote: Counting objects: 100% (12/12), done.",
                  f"o{revision}"], elapsed=0.412)


def pytest_lines(modules, per_module, fail=(), seed="", width=72):
    """Verbose pytest output: one line per test (tab before the timing)."""
    out, n, failed = ["o============================= test session starts ==============================",
                      "oplatform linux -- Python 3.11.2, pytest-7.2.1, pluggy-1.0.0",
                      "ocollected %d items" % (len(modules) * per_module), "o"], 0, 0
    total = len(modules) * per_module
    for mod in modules:
        for i in range(per_module):
            n += 1
            name = f"tests/test_{mod}.py::test_{mod}_{i:04d}"
            status = "FAILED" if (mod, i) in fail else "PASSED"
            failed += status == "FAILED"
            pct = n * 100 // total
            ms = (int(hashlib.md5(f"{seed}{name}".encode()).hexdigest()[:4], 16) % 900) / 1000
            out.append(f"o{name} {status}\t{ms:.3f}s [{pct:3d}%]")
    for mod, i in fail:
        out += [f"e___________________ test_{mod}_{i:04d} ___________________",
                "e    def test_it():",
                "e>       assert résultat == 'attendu'",
                "eE       AssertionError: assert 'reçu' == 'attendu'"]
    out.append(f"o======== {n - failed} passed, {failed} failed in 12.34s ========")
    return out


def compile_lines(count):
    """Long compiler/packaging output, about 120 bytes a line."""
    out = []
    for i in range(count):
        src = f"src/module_{i % 97:02d}/file_{i:05d}.c"
        out.append(f"ogcc -O2 -g -Wall -fPIC -Iinclude -DVERSION=\\\"1.4.{i % 7}\\\" -c {src} -o build/{i:05d}.o")
        if i % 250 == 249:
            out.append(f"e{src}:{i % 400 + 1}:17: warning: unused variable ‘tmp’ [-Wunused-variable]")
    return out


def sphinx_lines(pages):
    progress = "\r".join(f"reading sources... [{p * 100 // pages:3d}%] chapter-{p:02d}"
                         for p in range(1, pages + 1))
    return ["oRunning Sphinx v5.3.0", "o" + progress, "olooking for now-outdated files... none found",
            "owriting output... [100%] index", "obuild succeeded, 1 warning.",
            "o", "oThe HTML pages are in _build/html — Übersicht: _build/html/index.html"]


def html_report(title, rows):
    body = "".join(f"<tr><td>{a}</td><td>{b}</td></tr>" for a, b in rows)
    return ["<html><head><meta charset=\"utf-8\"><title>%s</title></head>" % title,
            "<body><h1>%s</h1>" % title,
            "<table>%s</table>" % body,
            "</body></html>"]


# --------------------------------------------------------------------------
# The fixture

REPO = "https://git.example.org/project.git"
LIBFOO = "https://git.example.org/libfoo.git"
HGREPO = "https://hg.example.org/tools"


def populate(db, now=None):
    w = Writer(db)
    now = int(time.time()) if now is None else now

    # masters: 1 and 2 alive, 3 and 4 gone (nothing may point at those two that
    # a starting master's housekeeping would clean up)
    m1 = w.master("buildhost:/srv/buildbot/master", True, now)
    m2 = w.master("buildhost2:/srv/buildbot/master", True, now)
    m3 = w.master("oldhost:/var/lib/buildbot/master", False, T0 - 30 * DAY)
    w.master("buildhost:/srv/buildbot/master-staging", False, T0 - 2 * DAY)

    b_unit, bm_unit = w.builder("unit-tests", "Runs the unit test suite on every push",
                                ["ci", "python", "quick"], [m1, m2])
    b_lint, bm_lint = w.builder("lint", None, ["ci", "quick"], [m1])
    b_docs, bm_docs = w.builder("docs", "Builds the documentation — HTML & PDF (Übersicht für Benutzer)",
                                ["docs"], [m2])
    b_integ, bm_integ = w.builder("integration", "Integration tests against PostgreSQL 15",
                                  ["ci", "nightly"], [m1])
    b_pkg, bm_pkg = w.builder("packaging", None, [], [m1])
    b_legacy, _ = w.builder("legacy-win32", "Windows XP builds (retired)", ["nightly"], [])

    def info(admin, host, basedir, system="posix", numcpus=4):
        return {"admin": admin, "host": host, "access_uri": None, "version": "3.7.0",
                "basedir": basedir, "system": system, "numcpus": numcpus}

    w1 = w.worker("linux-01", info("CI Team <ci@example.org>", "linux-01.example.org (Debian 12)",
                                   "/home/buildbot/workers/linux-01"))
    w2 = w.worker("linux-02", info("Jörg Müller <joerg@example.org>", "linux-02.example.org",
                                   "/home/buildbot/workers/linux-02", numcpus=8), paused=1)
    w3 = w.worker("mac-01", info("CI Team <ci@example.org>", "mac-01.example.org (macOS 14)",
                                 "/Users/buildbot/worker", numcpus=10), graceful=1)
    w4 = w.worker("linux-03", info("CI Team <ci@example.org>", "linux-03.example.org",
                                   "/home/buildbot/workers/linux-03"))
    w5 = w.worker("win-old", info("nobody", "winxp.example.org", "C:\\buildbot", system="nt", numcpus=1))
    w.worker("spare-01", {})
    for bm, wid in [(bm_unit[m1], w1), (bm_unit[m1], w3), (bm_unit[m2], w2), (bm_lint[m1], w1),
                    (bm_docs[m2], w2), (bm_integ[m1], w1), (bm_integ[m1], w4), (bm_pkg[m1], w3)]:
        w.add("configured_workers", buildermasterid=bm, workerid=wid)
    for mid, wid in [(m1, w1), (m2, w2), (m1, w3)]:
        w.add("connected_workers", masterid=mid, workerid=wid)

    # schedulers and change sources (owning masters are active ones only)
    for name, enabled, master in [("all-branches", 1, m1), ("nightly", 1, m2), ("force", 1, m1),
                                  ("try", 0, m1), ("old-periodic", 0, None), ("release", 1, None)]:
        sid = w.add("schedulers", name=name, name_hash=name_hash(name), enabled=enabled)
        if master:
            w.row("scheduler_masters", schedulerid=sid, masterid=master)
    for name, master in [(f"GitPoller:{REPO}", m1), ("PBChangeSource:tcp:19990:interface=127.0.0.1", None),
                         (f"HgPoller:{HGREPO}:default", m2)]:
        cid = w.add("changesources", name=name, name_hash=name_hash(name))
        if master:
            w.row("changesource_masters", changesourceid=cid, masterid=master)

    w.object_state("www", "buildbot.www.service.WWWService", [("session_secret", SESSION_SECRET)])
    w.object_state(f"GitPoller:{REPO}", "buildbot.changes.gitpoller.GitPoller",
                   [("lastRev", {"main": rev("c10"), "feature/x": rev("c5")})])
    w.object_state("all-branches", "buildbot.schedulers.basic.AnyBranchScheduler",
                   [("last_processed_change", 10)])

    uid = w.next_id("users")
    w.row("users", uid=uid, identifier="alice", bb_username=None, bb_password=None)
    w.row("users_info", uid=uid, attr_type="git", attr_data="Alice Example <alice@example.org>")

    # sourcestamps and changes
    changes_spec = [
        # key, author, committer, comments, when, branch, repo, project, codebase, extra
        ("c1", "Alice Example <alice@example.org>", None, "Initial import", T0 - 9000,
         "main", REPO, "project", "", dict(files=["README.md", "setup.py", "src/project/__init__.py"])),
        ("c2", "Bob Builder <bob@example.org>", "Bob Builder <bob@example.org>",
         "Fix résumé parsing\n\nThe parser choked on non-ASCII names.\nCloses #12.", T0 - 7200,
         "main", REPO, "project", "", dict(files=["src/project/parser.py", "tests/test_parser.py"],
                                           properties=[("event", "push")])),
        ("c3", "Zoë Ångström <zoe@example.org>", "Alice Example <alice@example.org>",
         "Add store backend\n\n\tindented detail line", T0 - 5400,
         "main", REPO, "project", "", dict(files=["src/project/store.py", "src/project/http.py",
                                                  "docs/store.rst", "tests/test_store.py"],
                                           properties=[("event", "push"), ("pr_number", 42),
                                                       ("labels", {"ci": True, "tags": ["db", "perf"]})])),
        ("c4", "Carol <carol@example.org>", None, "WIP: feature x", T0 - 5000,
         "feature/x", REPO, "project", "", dict(files=["src/project/x.py"],
                                                properties=[("event", "pull_request"), ("ratio", 2.5)])),
        ("c5", "Carol <carol@example.org>", None, "feature x: tests", T0 - 4000,
         "feature/x", REPO, "project", "", dict(files=["tests/test_x.py"],
                                                properties=[("legacy", "bare-value", "bare"),
                                                            ("legacy_list", [1, 2, 3], "bare")])),
        ("c6", "Dave <dave@example.org>", "Dave <dave@example.org>", "libfoo: first release", T0 - 3600,
         "main", LIBFOO, "libfoo", "libfoo", dict(files=["foo.c", "foo.h", "Makefile"])),
        ("c7", "Dave <dave@example.org>", None, "libfoo: fix overflow in foo_parse()", T0 - 3000,
         "main", LIBFOO, "libfoo", "libfoo", dict(files=["foo.c"])),
        ("c8", "Release Bot <release@example.org>", None, "Release 1.0.1", T0 - 2500,
         "release-1.0", REPO, "project", "", dict(files=["CHANGES", "setup.py"], category="release",
                                                  revlink="")),
        ("c9", "eve", None, "tools: update hg hooks", T0 - 2000,
         None, HGREPO, "tools", "", dict(files=[], rev=rev("c9")[:12], revlink=None)),
        ("c10", "Alice Example <alice@example.org>", None, "Speed up the store (2× faster)", T0 - 600,
         "main", REPO, "project", "", dict(files=["src/project/store.py"], properties=[("event", "push")])),
    ]
    ss, ch, last_on_branch = {}, {}, {}
    for key, author, committer, comments, when, branch, repo, project, codebase, extra in changes_spec:
        revision = extra.get("rev", rev(key))
        ss[key] = w.sourcestamp(branch, revision, repo, project, codebase, when)
        lineage = (branch, repo, project, codebase)
        revlink = extra.get("revlink", f"{repo[:-4]}/commit/{revision}")
        ch[key] = w.change(ss[key], author, comments, when, branch, revision, repo, project, codebase,
                           committer=committer, revlink=revlink, category=extra.get("category"),
                           parent=last_on_branch.get(lineage), files=extra.get("files", ()),
                           properties=extra.get("properties", ()))
        last_on_branch[lineage] = ch[key]
    w.row("change_users", changeid=ch["c1"], uid=uid)

    ss["force"] = w.sourcestamp("", "", "", "", "", T0 - 2000)
    patch = w.patch(b"--- a/README.md\n+++ b/README.md\n@@ -1 +1 @@\n-Projet\n+Project\n",
                    1, "alice", "try: fix typo in README")
    ss["try"] = w.sourcestamp("main", rev("c3"), REPO, "project", "", T0 - 1500, patchid=patch)
    ss["old"] = w.sourcestamp("main", None, REPO, "project", "", T0 - 40 * DAY)

    # buildsets, requests and builds, in submission order
    sched = lambda name: ("scheduler", name, "Scheduler")  # noqa: E731
    bs = {}
    bs["old1"] = w.buildset("The Nightly scheduler named 'old-periodic' triggered this build",
                            T0 - 40 * DAY, [ss["old"]], T0 - 40 * DAY + 1300, SUCCESS,
                            properties=[sched("old-periodic")])
    bs["old2"] = w.buildset("The Nightly scheduler named 'old-periodic' triggered this build",
                            T0 - 39 * DAY, [ss["old"]], T0 - 39 * DAY + 1000, FAILURE,
                            properties=[sched("old-periodic")])
    anybranch = "The AnyBranchScheduler scheduler named 'all-branches' triggered this build"
    bs["c1"] = w.buildset(anybranch, T0 - 8950, [ss["c1"]], T0 - 8780, WARNINGS,
                          properties=[sched("all-branches")])
    bs["c2"] = w.buildset(anybranch, T0 - 7150, [ss["c2"]], T0 - 6950, FAILURE,
                          properties=[sched("all-branches")])
    bs["c4"] = w.buildset(anybranch, T0 - 4950, [ss["c4"]], T0 - 4700, SUCCESS,
                          properties=[sched("all-branches")])
    bs["trig"] = w.buildset("The Triggerable scheduler named 'package' triggered this build",
                            T0 - 4765, [ss["c4"]], T0 - 4720, SUCCESS, parent_relationship="unit-tests",
                            properties=[sched("package"), ("matrix", {"arch": ["amd64", "arm64"]}, "Trigger")])
    bs["multi"] = w.buildset("The Nightly scheduler named 'nightly' triggered this build",
                             T0 - 2990, [ss["c3"], ss["c7"]], T0 - 2900, EXCEPTION,
                             properties=[sched("nightly")])
    bs["force"] = w.buildset("A build was forced by 'alice@example.org': testing force", T0 - 2000,
                             [ss["force"]], T0 - 1970, CANCELLED,
                             properties=[sched("force"), ("owner", "alice@example.org", "Force Build Form"),
                                         ("reason", "testing force", "Force Build Form")])
    bs["try"] = w.buildset("'try' job by user alice (try: fix typo in README)", T0 - 1500, [ss["try"]],
                           T0 - 1485, SKIPPED, external_idstring="try-1716998500-alice",
                           properties=[sched("try"), ("owner", "alice", "Try")])
    bs["c10"] = w.buildset(anybranch, T0 - 590, [ss["c10"]], properties=[sched("all-branches")])
    bs["pending"] = w.buildset("The Nightly scheduler named 'nightly' triggered this build", T0 - 100,
                               [ss["c6"], ss["c9"]], properties=[sched("nightly")])
    bs["nosource"] = w.buildset("rebuild requested by the release tool", T0 - 50, [],
                                external_idstring="relbot-77")

    br = {}
    req = [  # key, buildset, builder, submitted, complete_at, results, claim, extra
        ("legacy1", "old1", b_legacy, T0 - 40 * DAY, T0 - 40 * DAY + 1300, SUCCESS, (m3, T0 - 40 * DAY + 10), {}),
        ("legacy2", "old2", b_legacy, T0 - 39 * DAY, T0 - 39 * DAY + 1000, FAILURE, (m3, T0 - 39 * DAY + 10), {}),
        ("unit1", "c1", b_unit, T0 - 8950, T0 - 8780, SUCCESS, (m1, T0 - 8900), {}),
        ("lint1", "c1", b_lint, T0 - 8950, T0 - 8860, WARNINGS, (m1, T0 - 8895), {}),
        ("unit2", "c2", b_unit, T0 - 7150, T0 - 6950, FAILURE, (m2, T0 - 7100), {}),
        ("lint2", "c2", b_lint, T0 - 7150, T0 - 7060, SUCCESS, (m1, T0 - 7095), {}),
        ("docs1", "c2", b_docs, T0 - 7150, T0 - 7000, SUCCESS, (m2, T0 - 7090), {}),
        ("unit34", "c4", b_unit, T0 - 4950, T0 - 4700, SUCCESS, (m1, T0 - 4840), {}),
        ("pkg1", "trig", b_pkg, T0 - 4765, T0 - 4720, SUCCESS, (m1, T0 - 4760), dict(waited_for=1)),
        ("integ1", "multi", b_integ, T0 - 2990, T0 - 2900, EXCEPTION, (m1, T0 - 2950), {}),
        ("lint3", "force", b_lint, T0 - 2000, T0 - 1970, CANCELLED, (m1, T0 - 1990), {}),
        ("docs2", "try", b_docs, T0 - 1500, T0 - 1485, SKIPPED, (m2, T0 - 1490), dict(priority=5)),
        ("integ2", "c10", b_integ, T0 - 590, T0 - 300, FAILURE, (m1, T0 - 585), {}),
        ("unit5", "c10", b_unit, T0 - 590, None, -1, (m1, T0 - 120), {}),
        ("docs3", "c10", b_docs, T0 - 590, None, -1, (m2, T0 - 60), {}),
        ("integ3", "pending", b_integ, T0 - 100, None, -1, None, {}),
        ("legacy3", "pending", b_legacy, T0 - 100, None, -1, None, {}),
        ("lint4", "nosource", b_lint, T0 - 50, None, -1, None, {}),
    ]
    for key, bskey, builder, submitted, complete_at, results, claim, extra in req:
        br[key] = w.buildrequest(bs[bskey], builder, submitted, complete_at=complete_at,
                                 results=results, claim=claim, **extra)

    ctx = dict(w=w, ss=ss, ch=ch, ids={})
    builds = [  # builder name/id, number, request, worker, master, start, end, results, state, source
        ("legacy-win32", b_legacy, 1, "legacy1", w5, m3, T0 - 40 * DAY + 10, T0 - 40 * DAY + 1290,
         SUCCESS, "build successful", "old"),
        ("legacy-win32", b_legacy, 2, "legacy2", None, m3, T0 - 39 * DAY + 10, T0 - 39 * DAY + 990,
         FAILURE, "failed compile (failure)", "old"),
        ("unit-tests", b_unit, 1, "unit1", w1, m1, T0 - 8900, T0 - 8780, SUCCESS, "build successful", "c1"),
        ("lint", b_lint, 1, "lint1", w1, m1, T0 - 8895, T0 - 8860, WARNINGS, "warnings flake8 (warnings)", "c1"),
        ("unit-tests", b_unit, 2, "unit2", w2, m2, T0 - 7100, T0 - 6950, FAILURE,
         "failed 'run tests' (failure)", "c2"),
        ("lint", b_lint, 2, "lint2", w1, m1, T0 - 7095, T0 - 7060, SUCCESS, "build successful", "c2"),
        ("docs", b_docs, 1, "docs1", w2, m2, T0 - 7090, T0 - 7000, SUCCESS, "build successful", "c2"),
        ("unit-tests", b_unit, 3, "unit34", w3, m1, T0 - 4900, T0 - 4850, RETRY, "retry lost remote", "c4"),
        ("unit-tests", b_unit, 4, "unit34", w1, m1, T0 - 4840, T0 - 4700, SUCCESS, "build successful", "c4"),
        ("packaging", b_pkg, 1, "pkg1", w3, m1, T0 - 4760, T0 - 4720, SUCCESS, "build successful", "c4"),
        ("integration", b_integ, 1, "integ1", w4, m1, T0 - 2950, T0 - 2900, EXCEPTION,
         "'pg_ctl start' (exception)", "c3"),
        ("lint", b_lint, 3, "lint3", w1, m1, T0 - 1990, T0 - 1970, CANCELLED, "cancelled", "force"),
        ("docs", b_docs, 2, "docs2", w2, m2, T0 - 1490, T0 - 1485, SKIPPED, "skipped", "try"),
        ("integration", b_integ, 2, "integ2", w1, m1, T0 - 585, T0 - 300, FAILURE,
         "failed pytest (failure)", "c10"),
        ("unit-tests", b_unit, 5, "unit5", w1, m1, T0 - 120, None, None, "building", "c10"),
        ("docs", b_docs, 3, "docs3", w2, m2, T0 - 60, None, None, "building", "c10"),
    ]
    worker_names = {w1: "linux-01", w2: "linux-02", w3: "mac-01", w4: "linux-03", w5: "win-old"}
    for (bname, builderid, number, brkey, workerid, masterid, start, end, results, state,
         source) in builds:
        props = build_properties(bname, number, worker_names.get(workerid, "win-old"), source,
                                  bskey_of(req, brkey))
        buildid = w.build(number, builderid, br[brkey], workerid, masterid, start, end, results, state,
                          props)
        ctx["ids"][(bname, number)] = buildid
        STEPS[bname](ctx, buildid, builderid, number, start, end, results, masterid, source)
    w.set_parent_build(bs["trig"], ctx["ids"][("unit-tests", 4)])

    db.reset_sequences()
    return w


def bskey_of(req, brkey):
    return next(r[1] for r in req if r[0] == brkey)


def build_properties(bname, number, workername, source, bskey):
    wdir = f"/home/buildbot/workers/{workername}/{bname}"
    revs = {"c1": rev("c1"), "c2": rev("c2"), "c3": rev("c3"), "c4": rev("c4"), "c10": rev("c10"),
            "try": rev("c3"), "force": "", "old": None}
    branch = {"c4": "feature/x", "force": ""}.get(source, "main")
    scheduler = {"old": "old-periodic", "force": "force", "try": "try", "c3": "nightly"}.get(source,
                                                                                             "all-branches")
    props = [("buildername", bname, "Builder"), ("buildnumber", number, "Build"),
             ("workername", workername, "Worker"), ("builddir", wdir, "Worker"),
             ("branch", branch, "Build"), ("revision", revs[source], "Build"),
             ("repository", "" if source == "force" else REPO, "Build"),
             ("codebase", "", "Build"), ("project", "" if source == "force" else "project", "Build"),
             ("scheduler", scheduler, "Scheduler")]
    if source not in ("force", "old"):
        props.append(("got_revision", revs[source], "Git"))
    if bskey == "force":
        props += [("owner", "alice@example.org", "Force Build Form"),
                  ("reason", "testing force", "Force Build Form")]
    if bskey == "trig":
        props[9] = ("scheduler", "package", "Scheduler")
        props.append(("matrix", {"arch": ["amd64", "arm64"]}, "Trigger"))
    if (bname, number) == ("unit-tests", 1):
        props += [("coverage", 87.5, "run tests"), ("ratio", 2.5, "run tests"),
                  ("tests_run", 5, "run tests"), ("zero", 0, "run tests"), ("nothing", None, "run tests"),
                  ("negative", -7, "run tests"), ("flag", True, "run tests"),
                  ("build_matrix", {"python": ["3.11", "3.12"], "opts": {"debug": False, "level": 2}},
                   "SetProperty Step"),
                  ("mixed_list", [1, "two", 3.0, None, {"four": [4]}], "SetProperty Step"),
                  ("greeting", "Grüße aus Köln ✓ 🚀", "SetProperty Step"),
                  ("multiline", "line one\nline\ttwo\r\n", "SetProperty Step")]
    return props


# -- steps per builder ---------------------------------------------------------
# Each function writes the steps (and their logs, urls, test results, build
# data) of one build. Compression: master 1 writes zlib, master 2 lz4, except
# where a log says otherwise.

def codes_for(masterid):
    return {1: ZLIB, 2: LZ4}.get(masterid, RAW)


def prep_step(w, buildid, start, workername):
    return w.step(buildid, 0, "worker_preparation", start, start + 1, SUCCESS,
                  f"worker {workername} ready")


def git_step(w, buildid, number, start, wdir, branch, revision, code, results=SUCCESS, name="git"):
    sid = w.step(buildid, number, name, start + 1, start + 3, results,
                 "update" if results == SUCCESS else f"update ({RESULT_NAMES[results]})")
    w.log(sid, "stdio", "s", git_lines(wdir, REPO, branch, revision), code)
    return sid


def src_of(source):
    return {"c4": ("feature/x", rev("c4"))}.get(source, ("main", rev(source) if source.startswith("c")
                                                          else rev("c3")))


def steps_unit(ctx, buildid, builderid, number, start, end, results, masterid, source):
    w = ctx["w"]
    code = codes_for(masterid)
    worker = {1: "linux-01", 2: "linux-02", 3: "mac-01", 4: "linux-01", 5: "linux-01"}[number]
    wdir = f"/home/buildbot/workers/{worker}/unit-tests/build"
    prep_step(w, buildid, start, worker)
    git_step(w, buildid, 1, start, wdir, *src_of(source), RAW if number == 1 else code)
    deps = w.step(buildid, 2, "install deps", start + 3, start + 20, SUCCESS, "'pip install'",
                  hidden=1)
    w.log(deps, "stdio", "s", stdio(["pip", "install", "-r", "requirements.txt"], wdir,
                                    ["oCollecting requests", "o  Downloading requests-2.31.0.tar.gz\r"
                                     "  Downloading requests-2.31.0.tar.gz (110 kB)",
                                     "oSuccessfully installed requests-2.31.0"]), code)
    urls = [("coverage report", f"https://ci.example.org/coverage/unit-tests/{number}/index.html")]
    if number == 1:
        sid = w.step(buildid, 3, "run tests", start + 20, start + 110, SUCCESS, "'pytest tests/'", urls)
        lines = pytest_lines(["parser", "lexer", "store", "http", "cache"], 1, seed="u1")
        w.log(sid, "stdio", "s", stdio(["pytest", "-v", "tests/"], wdir, lines, elapsed=90.2), code)
        w.log(sid, "coverage.html", "h", html_report("Coverage — unit-tests #1",
                                                     [("parser.py", "91%"), ("store.py", "84%")]), BZ2)
        w.test_result_set(builderid, buildid, sid, "pass_fail", "boolean", "Unit tests (pytest)", 4, 1, 1, [
            ("test_parser_basic", "tests/test_parser.py", 10, 1200000, "1"),
            ("test_parser_unicode", "tests/test_parser.py", 31, 2500000, "1"),
            ("test_lexer_empty", "tests/test_lexer.py", 7, 800000, "1"),
            ("test_résumé_roundtrip", "tests/test_parser.py", 55, 3100000, "0"),
            (None, None, None, None, "1"),
        ])
        w.build_data(buildid, "coverage.json", dumps({"total": 87.5, "files": 12}).encode(), "run tests")
        w.step(buildid, 4, "upload coverage", start + 110, end, SUCCESS, "uploaded",
               [("coverage", "https://ci.example.org/coverage/unit-tests/1/"),
                ("raw data", "https://ci.example.org/coverage/unit-tests/1/coverage.json")])
    elif number == 2:
        sid = w.step(buildid, 3, "run tests", start + 20, end, FAILURE, "'pytest tests/' (failure)", urls)
        lines = pytest_lines(["parser", "store"], 3, fail={("store", 1)}, seed="u2")
        w.log(sid, "stdio", "s", stdio(["pytest", "-v", "tests/"], wdir, lines, rc=1, elapsed=128.0), code)
        w.log(sid, "résumé", "t", ["1 test failed:", "  tests/test_store.py::test_store_0001",
                                   "Voir le détail ci-dessus."], ZLIB)
    elif number == 3:
        sid = w.step(buildid, 3, "run tests", start + 20, end, RETRY, "'pytest tests/' (retry)")
        lines = pytest_lines(["parser"], 2, seed="u3")[:5]
        w.log(sid, "stdio", "s", stdio(["pytest", "-v", "tests/"], wdir, lines)[:-2]
              + ["hremote lost: worker mac-01 disconnected"], code)
    elif number == 4:
        sid = w.step(buildid, 3, "run tests", start + 20, start + 70, SUCCESS, "'pytest tests/'", urls)
        w.log(sid, "stdio", "s", stdio(["pytest", "-v", "tests/"], wdir,
                                       pytest_lines(["parser", "x"], 2, seed="u4")), code)
        w.step(buildid, 4, "trigger packaging", start + 70, end, SUCCESS, "triggered package",
               [("packaging #1", "http://127.0.0.1:8010/#/builders/5/builds/1")])
    else:  # running build: a step in progress and one not started yet
        sid = w.step(buildid, 3, "run tests", start + 20, None, None, "running 'pytest tests/'", urls)
        lines = stdio(["pytest", "-v", "tests/"], wdir, pytest_lines(["parser", "store"], 2, seed="u5"))
        w.log(sid, "stdio", "s", lines[:12], code, complete=0)
        w.test_result_set(builderid, buildid, sid, "pass_fail", "boolean", "Unit tests (pytest)", 2, 0, 0, [
            ("test_parser_basic", "tests/test_parser.py", 10, 1100000, "1"),
            ("test_store_open", "tests/test_store.py", 12, 900000, "1"),
        ])
        w.step(buildid, 4, "upload coverage", None, None, None, "pending")


def steps_lint(ctx, buildid, builderid, number, start, end, results, masterid, source):
    w = ctx["w"]
    wdir = "/home/buildbot/workers/linux-01/lint/build"
    prep_step(w, buildid, start, "linux-01")
    if source == "force":
        git_step(w, buildid, 1, start, wdir, "main", rev("c2"), ZLIB)
    else:
        git_step(w, buildid, 1, start, wdir, *src_of(source), ZLIB)
    out = ["o./src/project/parser.py:12:1: F401 'os' imported but unused",
           "o./src/project/store.py:88:80: E501 line too long (88 > 79 characters)",
           "o./src/project/http.py:3:1: W291 trailing whitespace\t<-- here",
           "o3"]
    if number == 1:
        sid = w.step(buildid, 2, "flake8", start + 3, start + 30, WARNINGS, "flake8 warnings=3 (warnings)")
        w.log(sid, "stdio", "s", stdio(["flake8", "src/"], wdir, out, rc=1), BZ2)
        w.log(sid, "warnings (3)", "t", [line[1:] for line in out[:3]], ZLIB)
        w.test_result_set(builderid, buildid, sid, "code_issue", "message", None, None, None, 1, [
            (None, "src/project/parser.py", 12, None, "F401 'os' imported but unused"),
            (None, "src/project/store.py", 88, None, "E501 line too long (88 > 79 characters)"),
            (None, "src/project/http.py", 3, None, "W291 trailing whitespace"),
        ])
        sid = w.step(buildid, 3, "set props", start + 30, end, SUCCESS, "property 'lint_warnings' set",
                     hidden=1)
        w.log(sid, "property changes", "t", ["lint_warnings: 3"], RAW)
    elif number == 2:
        sid = w.step(buildid, 2, "flake8", start + 3, end, SUCCESS, "flake8")
        w.log(sid, "stdio", "s", stdio(["flake8", "src/"], wdir, []), ZLIB)
    else:
        sid = w.step(buildid, 2, "flake8", start + 3, end, CANCELLED, "flake8 (cancelled)")
        w.log(sid, "stdio", "s", stdio(["flake8", "src/"], wdir, out[:1])[:-2]
              + ["hcommand interrupted: build cancelled by alice@example.org"], LZ4)


def steps_docs(ctx, buildid, builderid, number, start, end, results, masterid, source):
    w = ctx["w"]
    wdir = "/home/buildbot/workers/linux-02/docs/build"
    prep_step(w, buildid, start, "linux-02")
    if number == 1:
        git_step(w, buildid, 1, start, wdir, "main", rev("c2"), LZ4)
        sid = w.step(buildid, 2, "sphinx", start + 3, start + 60, SUCCESS, "'make html'")
        w.log(sid, "stdio", "s", stdio(["make", "html"], wdir, sphinx_lines(24)), LZ4)
        sid = w.step(buildid, 3, "upload", start + 60, end, SUCCESS, "uploaded",
                     [("HTML docs", "https://docs.example.org/preview/docs-1/"),
                      ("PDF", "https://docs.example.org/preview/docs-1/project.pdf")])
        w.log(sid, "stdio", "s", [], LZ4)  # an empty log: no chunks
    elif number == 2:  # try build whose only real step was skipped
        git_step(w, buildid, 1, start, wdir, "main", rev("c3"), LZ4, results=SKIPPED, name="git (patched)")
        w.step(buildid, 2, "sphinx", start + 5, start + 5, SKIPPED, "'make html' (skipped)")
    else:  # running: fetching sources
        sid = w.step(buildid, 1, "git", start + 1, None, None, "updating")
        w.log(sid, "stdio", "s", git_lines(wdir, REPO, "main", rev("c10"))[:9], LZ4, complete=0)


def steps_integration(ctx, buildid, builderid, number, start, end, results, masterid, source):
    w = ctx["w"]
    worker = "linux-03" if number == 1 else "linux-01"
    wdir = f"/home/buildbot/workers/{worker}/integration/build"
    prep_step(w, buildid, start, worker)
    git_step(w, buildid, 1, start, wdir, "main", rev(source), ZLIB)
    if number == 1:
        sid = w.step(buildid, 2, "git libfoo", start + 3, start + 5, SUCCESS, "update")
        w.log(sid, "stdio", "s", git_lines(wdir + "/libfoo", LIBFOO, "main", rev("c7")), ZLIB)
        sid = w.step(buildid, 3, "start db", start + 5, end, EXCEPTION, "'pg_ctl start' (exception)")
        w.log(sid, "stdio", "s", stdio(["pg_ctl", "start"], wdir, ["owaiting for server to start...."]), ZLIB)
        tb = ["Traceback (most recent call last):",
              '  File "/usr/lib/python3/dist-packages/buildbot/process/buildstep.py", line 1, in run',
              "    yield self.runCommand(cmd)",
              "twisted.internet.error.ConnectionLost: Connection to the other side was lost "
              "in a non-clean fashion: Connection lost."]
        w.log(sid, "err.text", "t", tb, BZ2)
        w.log(sid, "err.html", "h", ["<html><body><pre>", *tb, "</pre></body></html>"], RAW)
        return
    sid = w.step(buildid, 2, "start db", start + 3, start + 8, SUCCESS, "'pg_ctl start'")
    w.log(sid, "stdio", "s", stdio(["pg_ctl", "start"], wdir, ["owaiting for server to start.... done",
                                                               "oserver started"]), ZLIB)
    sid = w.step(buildid, 3, "pytest", start + 8, end - 5, FAILURE, "'pytest -v' (failure)",
                 [("JUnit report", "https://ci.example.org/junit/integration/2.xml")])
    # the ~5000-line log: 5 chunks of 1000 lines, one per compression code
    lines = stdio(["pytest", "-v", "tests/integration"], wdir,
                  pytest_lines([f"db{i:02d}" for i in range(50)], 99, fail={("db07", 3), ("db31", 0)},
                               seed="i2"), rc=1, elapsed=270.5)
    w.log(sid, "stdio", "s", lines, [RAW, ZLIB, BZ2, LZ4, ZLIB], max_lines=1000)
    w.log(sid, "pytest.log", "t", ["collected 4950 items", "2 failed"], ZLIB)
    w.log(sid, "pytest log", "t", ["same file, other name: slug gets a _2 suffix"], ZLIB, slug="pytest_log_2")
    w.test_result_set(builderid, buildid, sid, "performance", "ms", "Query timings", None, None, 1, [
        ("bench_insert", "tests/integration/test_db00.py", 20, 12500000, "12.5"),
        ("bench_select", "tests/integration/test_db00.py", 41, 3250000, "3.25"),
        ("bench_insert", "tests/integration/test_db01.py", 20, 13000000, "13.0"),
    ])
    w.build_data(buildid, "core.dump", bytes((i * 37 + 11) % 256 for i in range(300)), "pytest")
    w.step(buildid, 4, "stop db", end - 5, end, SUCCESS, "'pg_ctl stop'", hidden=1)


def steps_packaging(ctx, buildid, builderid, number, start, end, results, masterid, source):
    w = ctx["w"]
    wdir = "/Users/buildbot/worker/packaging/build"
    prep_step(w, buildid, start, "mac-01")
    git_step(w, buildid, 1, start, wdir, "feature/x", rev("c4"), ZLIB)
    sid = w.step(buildid, 2, "dpkg-buildpackage", start + 3, end, SUCCESS, "'dpkg-buildpackage -b'",
                 [("project_1.4_amd64.deb", "https://ci.example.org/artifacts/packaging/1/project_1.4_amd64.deb")])
    # the ~250 KB log: chunks < 64 KiB, compression varies per chunk
    w.log(sid, "stdio", "s", stdio(["dpkg-buildpackage", "-b", "-uc"], wdir, compile_lines(2450)),
          [ZLIB, BZ2, LZ4, RAW])
    w.build_data(buildid, "empty", b"", "dpkg-buildpackage")


def steps_legacy(ctx, buildid, builderid, number, start, end, results, masterid, source):
    w = ctx["w"]
    prep_step(w, buildid, start, "win-old")
    sid = w.step(buildid, 1, "svn", start + 1, start + 60, SUCCESS, "update")
    w.log(sid, "stdio", "d", [], num_lines=57)  # purged by the janitor: type d, no chunks
    sid = w.step(buildid, 2, "compile", start + 60, end, results,
                 "compile" if results == SUCCESS else "compile (failure)")
    w.log(sid, "stdio", "d", [], num_lines=1200 + number)


STEPS = {"unit-tests": steps_unit, "lint": steps_lint, "docs": steps_docs,
         "integration": steps_integration, "packaging": steps_packaging, "legacy-win32": steps_legacy}


# --------------------------------------------------------------------------
# Read-back helpers: summary tables and a canonical dump

def summary(db):
    """Markdown tables of the ids test writers need (t/fixtures/README.md)."""
    out = []

    def table(title, header, rows):
        out.append(f"### {title}\n")
        out.append("| " + " | ".join(header) + " |")
        out.append("|" + "---|" * len(header))
        for r in rows:
            out.append("| " + " | ".join("NULL" if v is None else str(v) for v in r) + " |")
        out.append("")

    table("builds", ["buildid", "builder (id)", "number", "brid", "bsid", "worker", "master", "results",
                     "complete", "state_string"],
          db.query("SELECT b.id, bu.name || ' (' || bu.id || ')', b.number, b.buildrequestid, "
                   "br.buildsetid, b.workerid, b.masterid, b.results, "
                   "CASE WHEN b.complete_at IS NULL THEN 'running' ELSE 'yes' END, b.state_string "
                   "FROM builds b JOIN builders bu ON bu.id = b.builderid "
                   "JOIN buildrequests br ON br.id = b.buildrequestid ORDER BY b.id"))
    steps = db.query("SELECT s.id, s.buildid, s.number, s.name, s.results, s.hidden, s.started_at, "
                     "s.urls_json FROM steps s ORDER BY s.id")
    logs = {}
    for logid, stepid, name, slug, typ, num_lines, complete in db.query(
            "SELECT id, stepid, name, slug, type, num_lines, complete FROM logs ORDER BY id"):
        chunks = db.query("SELECT first_line, last_line, compressed, content FROM logchunks "
                          "WHERE logid = ? ORDER BY first_line", (logid,))
        size = sum(len(decompress(c[3], c[2])) for c in chunks)
        codes = ",".join(str(c[2]) for c in chunks) or "-"
        logs.setdefault(stepid, []).append(
            f"{logid} {name!r}/{slug} {typ} {num_lines}L {len(chunks)}ch [{codes}] {size}B"
            + ("" if complete else " (open)"))
    rows = []
    for sid, bid, num, name, res, hidden, started, urls in steps:
        flags = []
        if hidden:
            flags.append("hidden")
        if started is None:
            flags.append("pending")
        if urls != "[]":
            flags.append(f"{len(json.loads(urls))} urls")
        rows.append((sid, bid, num, name, res, " ".join(flags), "; ".join(logs.get(sid, [])) or "-"))
    table("steps and logs (log: id 'name'/slug type lines chunks [codes] decoded-bytes)",
          ["stepid", "buildid", "number", "name", "results", "flags", "logs"], rows)
    return "\n".join(out)


def dump(db):
    """Every table, rows sorted, BLOBs as sha1: diff two dumps to see changes."""
    out = []
    for table in db.tables():
        cur = db.execute(f"SELECT * FROM {table}")
        cols = [d[0] for d in cur.description]
        rows = []
        for r in cur.fetchall():
            vals = []
            for v in r:
                if isinstance(v, (bytes, bytearray, memoryview)):
                    v = "blob:" + hashlib.sha1(bytes(v)).hexdigest()
                vals.append(repr(v))
            rows.append("\t".join(vals))
        out.append(f"== {table} ({', '.join(cols)})")
        out.extend(sorted(rows))
    return "\n".join(out)


def check_schema(db):
    try:
        version = db.query("SELECT version_num FROM alembic_version")
    except Exception as e:  # noqa: BLE001 -- any driver error means "no schema"
        raise SystemExit(f"fixtures: no Buildbot schema in {db.url} ({e}); create it with build/mkdb.sh")
    if db.query("SELECT COUNT(*) FROM masters")[0][0] or db.query("SELECT COUNT(*) FROM builds")[0][0]:
        raise SystemExit(f"fixtures: {db.url} already holds data; start from a fresh database")
    return version[0][0] if version else None


def main(argv):
    mode = "write"
    if len(argv) == 3 and argv[1] in ("--summary", "--dump", "--touch"):
        mode, dburl = argv[1][2:], argv[2]
    elif len(argv) == 2 and not argv[1].startswith("-"):
        dburl = argv[1]
    else:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    db = connect(dburl)
    if mode == "summary":
        print(summary(db))
    elif mode == "dump":
        print(dump(db))
    elif mode == "touch":
        db.execute("UPDATE masters SET last_active = ? WHERE active != 0", (int(time.time()),))
        db.commit()
    else:
        check_schema(db)
        populate(db)
        db.commit()
        print(f"fixtures: wrote fixture data into {dburl}")
    db.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
