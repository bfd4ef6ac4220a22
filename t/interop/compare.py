#!/usr/bin/python3
"""Compare mod_bbwww with a real Buildbot 3.7 master, URL by URL.

Both servers read the same database. Every URL of the list is fetched from
both and the answers must be identical (status, Content-Type, body), except
where the URL is marked with a documented difference code (`# expect Dnn`)
from the "Differences from Buildbot 3.7" list: then both answers must be the
documented ones. See t/interop/README.md for the file formats.

Standard library only; run with /usr/bin/python3.
"""

import argparse
import concurrent.futures
import http.client
import json
import re
import sys
import time
import urllib.parse

ACCEPT_JSON = "application/json"
SECTION_TITLE = "## Differences from Buildbot 3.7"
OPTIONS = ("pretty", "raw", "head", "status", "once")

# An error message that only echoes a Python exception, e.g.
# KeyError('builderid'), AssertionError(), TypeError("'NoneType' ...").
PYTHON_REPR = re.compile(r"^[A-Z][A-Za-z]*(Error|Exception|Exit)\(.*\)$", re.S)


# ---------------------------------------------------------------------------
# Input files


class Difference:
    """One documented difference: a code and the statuses (and bodies)."""

    def __init__(self, code, text):
        self.code = code
        self.text = text
        self.master_status = None
        self.master_body = None
        self.module_status = None
        self.module_body = None

    def __repr__(self):
        return f"Difference({self.code})"


# `Buildbot 3.7: **500** `{"error": "..."}`` / `mod_bbwww: **404** `...``
_STATUS_RE = {
    "master": re.compile(r"Buildbot 3\.7:\s*\*\*(\d{3})\*\*(?:\s*`([^`]*)`)?"),
    "module": re.compile(r"mod_bbwww:\s*\*\*(\d{3})\*\*(?:\s*`([^`]*)`)?"),
}
_BULLET_RE = re.compile(r"^[-*]\s+`(D\d+)`")


def parse_differences(path):
    """Read the bullets of the differences section (or of the whole file).

    A bullet starts with `- `Dnn``; indented lines below it belong to it.
    Inside it, `Buildbot 3.7: **NNN**` and `mod_bbwww: **NNN**` give the
    statuses, each optionally followed by a JSON body in backticks that the
    answer must equal.
    """
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    start = 0
    for i, line in enumerate(lines):
        if line.strip() == SECTION_TITLE:
            start = i + 1
            break
    bullets = []
    for line in lines[start:]:
        if start and line.startswith("## "):
            break
        m = _BULLET_RE.match(line)
        if m:
            bullets.append([m.group(1), line])
        elif bullets and (line.startswith((" ", "\t")) or not line.strip()):
            bullets[-1][1] += "\n" + line
        elif line.strip():
            if bullets and not line.startswith(("-", "*", "#")):
                bullets[-1][1] += "\n" + line
    diffs = {}
    for code, text in bullets:
        if code in diffs:
            raise SystemExit(f"{path}: difference {code} defined twice")
        d = Difference(code, text)
        flat = " ".join(text.split())
        for side, rx in _STATUS_RE.items():
            m = rx.search(flat)
            if not m:
                raise SystemExit(
                    f"{path}: difference {code} lacks "
                    f"{'Buildbot 3.7' if side == 'master' else 'mod_bbwww'}: **NNN**")
            status = int(m.group(1))
            body = None
            if m.group(2) and m.group(2).lstrip().startswith(("{", "[")):
                try:
                    body = json.loads(m.group(2))
                except ValueError as e:
                    raise SystemExit(f"{path}: difference {code}: bad JSON body: {e}")
            setattr(d, side + "_status", status)
            setattr(d, side + "_body", body)
        diffs[code] = d
    return diffs


class Entry:
    def __init__(self, lineno, path, options, expect=None, like=None, body=None):
        self.lineno = lineno
        self.path = path
        self.options = options
        self.expect = expect
        self.like = like
        self.body = body

    def __str__(self):
        return self.path


def parse_urls(path):
    """One URL per line: `PATH [option...] [# expect Dnn [like=PATH] [body=JSON]]`.

    Blank lines and lines starting with `#` are comments.
    """
    entries = []
    with open(path, encoding="utf-8") as f:
        for lineno, raw in enumerate(f, 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            annotation = ""
            if " #" in line:
                line, annotation = line.split(" #", 1)
                annotation = annotation.strip()
            words = line.split()
            url, options = words[0], set(words[1:])
            bad = options - set(OPTIONS)
            if bad:
                raise SystemExit(f"{path}:{lineno}: unknown option(s) {sorted(bad)}")
            if not url.startswith("/"):
                raise SystemExit(f"{path}:{lineno}: URL must start with /")
            entry = Entry(lineno, url, options)
            if annotation:
                m = re.match(r"expect\s+(D\d+)\s*(.*)$", annotation)
                if not m:
                    raise SystemExit(f"{path}:{lineno}: bad annotation '# {annotation}'")
                entry.expect = m.group(1)
                rest = m.group(2)
                while rest:
                    if rest.startswith("like="):
                        like, _, rest = rest[5:].partition(" ")
                        entry.like = like
                    elif rest.startswith("body="):
                        try:
                            entry.body = json.loads(rest[5:])
                        except ValueError as e:
                            raise SystemExit(f"{path}:{lineno}: bad body JSON: {e}")
                        rest = ""
                    else:
                        raise SystemExit(f"{path}:{lineno}: bad annotation part '{rest}'")
                    rest = rest.strip()
            entries.append(entry)
    return entries


# ---------------------------------------------------------------------------
# HTTP


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def header(self, name):
        return self.headers.get(name.lower())


class Server:
    """A base URL (ending in /) with one keep-alive-free connection per request."""

    def __init__(self, base, name, timeout):
        if not base.endswith("/"):
            base += "/"
        self.base = base
        self.name = name
        self.timeout = timeout
        u = urllib.parse.urlsplit(base)
        if u.scheme != "http":
            raise SystemExit(f"{name}: only http:// URLs are supported")
        self.host = u.hostname
        self.port = u.port or 80
        self.prefix = u.path.rstrip("/")

    def fetch(self, path, method="GET", accept=ACCEPT_JSON):
        headers = {"Connection": "close"}
        if accept is not None:
            headers["Accept"] = accept
        conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            conn.request(method, self.prefix + path, headers=headers)
            r = conn.getresponse()
            body = r.read()
            hdrs = {k.lower(): v for k, v in r.getheaders()}
            return Response(r.status, hdrs, body)
        except (OSError, http.client.HTTPException) as e:
            return Response(0, {}, f"connection error: {e!r}".encode())
        finally:
            conn.close()

    def normalize(self, body):
        """Replace this server's own base URL so both sides compare equal."""
        return body.replace(self.base.encode(), b"<BASE>/")


# ---------------------------------------------------------------------------
# Comparison


def strict_equal(a, b, where="$"):
    """JSON equality that tells bool from int and int from float.

    Returns None when equal, else the JSON path of the first difference.
    """
    if type(a) is not type(b):
        return f"{where}: {short(a)} vs {short(b)}"
    if isinstance(a, dict):
        if list(a) != list(b):
            ka, kb = set(a), set(b)
            if ka != kb:
                return (f"{where}: keys only in master {sorted(ka - kb)}, "
                        f"only in module {sorted(kb - ka)}")
        for k in a:
            d = strict_equal(a[k], b[k], f"{where}.{k}")
            if d:
                return d
        return None
    if isinstance(a, list):
        for i, (x, y) in enumerate(zip(a, b)):
            d = strict_equal(x, y, f"{where}[{i}]")
            if d:
                return d
        if len(a) != len(b):
            return f"{where}: {len(a)} items vs {len(b)} items"
        return None
    if a != b:
        if isinstance(a, str) and (len(a) > 80 or len(b) > 80):
            n = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
            lo = max(0, n - 40)
            return (f"{where}: strings differ at character {n}: "
                    f"...{short(a[lo:n + 60])} vs ...{short(b[lo:n + 60])}")
        return f"{where}: {short(a)} vs {short(b)}"
    return None


def short(value, limit=120):
    text = json.dumps(value) if not isinstance(value, bytes) else repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


def first_byte_difference(a, b):
    n = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    lo = max(0, n - 30)
    return (f"bytes differ at offset {n}: master {a[lo:n + 40]!r} "
            f"vs module {b[lo:n + 40]!r} (lengths {len(a)}, {len(b)})")


def parse_json(body):
    try:
        return json.loads(body.decode("utf-8")), None
    except (UnicodeDecodeError, ValueError) as e:
        return None, str(e)


def python_error(doc):
    """The message if doc is {"error": "<Python exception repr>"}."""
    if isinstance(doc, dict) and list(doc) == ["error"] and isinstance(doc["error"], str):
        if PYTHON_REPR.match(doc["error"]):
            return doc["error"]
    return None


def media(value):
    return " ".join((value or "").lower().split())


def compare_answers(variant, master, module, mbody, nbody):
    """Return None if the two answers count as the same, else a reason."""
    if master.status != module.status:
        return f"status {master.status} vs {module.status}" + error_hint(master, module)
    if variant == "status":
        return None
    if media(master.header("content-type")) != media(module.header("content-type")):
        return (f"Content-Type {master.header('content-type')!r} "
                f"vs {module.header('content-type')!r}")
    if variant == "raw":
        cd_a, cd_b = master.header("content-disposition"), module.header("content-disposition")
        if cd_a != cd_b:
            return f"Content-Disposition {cd_a!r} vs {cd_b!r}"
        if mbody != nbody:
            return first_byte_difference(mbody, nbody)
        return None
    if variant == "head":
        if nbody:
            return f"HEAD answer has a body of {len(nbody)} bytes"
        return None
    doc_a, err_a = parse_json(mbody)
    if err_a is not None:
        # Not JSON on the master side (HTML 404 pages): status and type suffice.
        return None
    doc_b, err_b = parse_json(nbody)
    if err_b is not None:
        return f"module body is not JSON ({err_b}): {nbody[:120]!r}"
    if python_error(doc_a) is not None:
        if isinstance(doc_b, dict) and list(doc_b) == ["error"] and isinstance(doc_b["error"], str):
            return None
        return f"error body shape differs: {short(doc_a)} vs {short(doc_b)}"
    d = strict_equal(unordered(doc_a), unordered(doc_b))
    if d:
        return d
    if mbody != nbody:
        # Equal documents whose bytes differ: fine only if both are the
        # canonical encoding of their own document (lists that Buildbot
        # fills in random order, see unordered()).
        pretty = variant == "pretty"
        if mbody != canonical(doc_a, pretty):
            return "same JSON, " + first_byte_difference(mbody, nbody)
        if nbody != canonical(doc_b, pretty):
            return ("same JSON, module bytes are not the canonical encoding: "
                    + first_byte_difference(canonical(doc_b, pretty), nbody))
    return None


def canonical(doc, pretty):
    """Buildbot's encoding: sorted keys, ASCII escapes, compact or indented."""
    if pretty:
        text = json.dumps(doc, sort_keys=True, indent=2, separators=(",", ": "))
    else:
        text = json.dumps(doc, sort_keys=True, separators=(",", ":"))
    return text.encode("ascii")


def unordered(doc):
    """Sort the lists whose order Buildbot leaves to chance.

    A buildset's `sourcestamps` are fetched in parallel and appended as the
    fetches complete, so their order varies from one request to the next on
    the master itself; both sides are compared sorted by `ssid`.
    """
    if isinstance(doc, dict):
        out = {k: unordered(v) for k, v in doc.items()}
        ss = out.get("sourcestamps")
        if isinstance(ss, list) and all(isinstance(x, dict) and "ssid" in x for x in ss):
            out["sourcestamps"] = sorted(ss, key=lambda x: json.dumps(x.get("ssid")))
        return out
    if isinstance(doc, list):
        return [unordered(x) for x in doc]
    return doc


def same_answer(r1, r2, server):
    """Two answers of one server to one request: equal up to unordered lists?"""
    if r1.status != r2.status:
        return False
    b1, b2 = server.normalize(r1.body), server.normalize(r2.body)
    if b1 == b2:
        return True
    d1, e1 = parse_json(b1)
    d2, e2 = parse_json(b2)
    return e1 is None and e2 is None and strict_equal(unordered(d1), unordered(d2)) is None


def error_hint(master, module):
    parts = []
    for name, r in (("master", master), ("module", module)):
        if r.status >= 400 or r.status == 0:
            parts.append(f"{name} {r.body[:160].decode('utf-8', 'replace')!r}")
    return (" (" + "; ".join(parts) + ")") if parts else ""


def variants_of(entry):
    """(variant, method, Accept) triples fetched for one URL."""
    if "raw" in entry.options:
        return [("raw", "GET", None)]
    if "status" in entry.options:
        return [("status", "GET", ACCEPT_JSON)]
    out = [("json", "GET", ACCEPT_JSON)]
    if "pretty" in entry.options:
        out.append(("pretty", "GET", None))
    if "head" in entry.options:
        out.append(("head", "HEAD", ACCEPT_JSON))
    return out


def attempts(entry):
    """Fetch twice on a mismatch, except URLs marked `once`.

    Buildbot 3.7 answers `/changes/<negative id>` with a 500 once and then
    never again for that id: its change cache keeps the failed lookup pending,
    so every later request for it hangs.
    """
    return (1,) if "once" in entry.options else (1, 2)


class Comparator:
    def __init__(self, master, module, diffs, retry_delay):
        self.master = master
        self.module = module
        self.diffs = diffs
        self.retry_delay = retry_delay
        self.records = []

    def both(self, path, method, accept, master_path=None):
        a = self.master.fetch(master_path or path, method, accept)
        b = self.module.fetch(path, method, accept)
        return a, b

    def check_identical(self, entry):
        for variant, method, accept in variants_of(entry):
            reason = first = None
            for attempt in attempts(entry):
                a, b = self.both(entry.path, method, accept)
                reason = compare_answers(variant, a, b,
                                         self.master.normalize(a.body),
                                         self.module.normalize(b.body))
                if attempt == 1:
                    self.record(entry, variant, a)
                if reason is None:
                    reason = self.unstable(first, a, b)
                    break
                first = (a, b, reason)
                time.sleep(self.retry_delay)
            if reason:
                return f"[{variant}] {reason}"
        return None

    def unstable(self, first, a, b):
        """A refetch that matched only counts if the master's answer changed.

        The refetch is there for the master's own writes (its heartbeat);
        when the master answered the same both times but the module did not,
        the module is what changed: report its first answer.
        """
        if first is None:
            return None
        a1, b1, reason = first
        if same_answer(a1, a, self.master) and not same_answer(b1, b, self.module):
            return f"module answered differently to the same request; first answer: {reason}"
        return None

    def check_documented(self, entry):
        diff = self.diffs.get(entry.expect)
        if diff is None:
            return f"# expect {entry.expect}: no such code in the differences list"
        variant, method, accept = variants_of(entry)[0]
        reason = first = None
        for attempt in attempts(entry):
            a, b = self.both(entry.path, method, accept)
            if attempt == 1:
                self.record(entry, variant, a)
            reason = self.documented_reason(entry, diff, variant, a, b)
            if reason is None:
                reason = self.unstable(first, a, b)
                break
            first = (a, b, reason)
            time.sleep(self.retry_delay)
        return reason

    def documented_reason(self, entry, diff, variant, a, b):
        code = diff.code
        abody = self.master.normalize(a.body)
        bbody = self.module.normalize(b.body)
        if a.status != diff.master_status:
            return (f"{code}: master answered {a.status}, the list says "
                    f"{diff.master_status}" + error_hint(a, b))
        if diff.master_body is not None:
            doc, _ = parse_json(abody)
            if python_error(diff.master_body) is not None:
                # Any Python exception text counts: the class and text vary by URL.
                if python_error(doc) is None:
                    return f"{code}: master body {abody[:200]!r} is not a Python error"
            elif doc != diff.master_body:
                return f"{code}: master body {abody[:200]!r} is not the documented one"
        if b.status != diff.module_status:
            return (f"{code}: module answered {b.status}, the list says "
                    f"{diff.module_status}" + error_hint(a, b))
        if compare_answers(variant, a, b, abody, bbody) is None:
            return f"{code}: answers are identical, the documented difference is gone"
        expected_body = entry.body if entry.body is not None else diff.module_body
        if expected_body is not None:
            doc, err = parse_json(bbody)
            if err:
                return f"{code}: module body is not JSON ({err})"
            d = strict_equal(expected_body, doc)
            if d:
                return f"{code}: module body is not the documented one: {d}"
        if entry.like:
            ref = self.master.fetch(entry.like, "GET", ACCEPT_JSON)
            reason = compare_answers(variant, ref, b, self.master.normalize(ref.body), bbody)
            if reason:
                return f"{code}: module differs from master's {entry.like}: {reason}"
        return None

    def record(self, entry, variant, response):
        body = response.body
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            text = repr(body)
        self.records.append({
            "line": entry.lineno, "path": entry.path, "variant": variant,
            "status": response.status,
            "content_type": response.header("content-type"),
            "body": text,
        })


SURVEY_KEYS = {
    "builders": "builderid", "builds": "buildid", "steps": "stepid", "logs": "logid",
    "masters": "masterid", "workers": "workerid", "changes": "changeid",
    "sourcestamps": "ssid", "buildsets": "bsid", "buildrequests": "buildrequestid",
    "schedulers": "schedulerid", "changesources": "changesourceid",
    "test_result_sets": "test_result_setid", "test_results": "test_resultid",
    "_properties": "name", "build_data": "name", "rootlinks": "name", "specs": "path",
    "logchunks": "content",
}


def survey_line(entry, response):
    """A short description of the master's answer, to check the URL list."""
    doc, err = parse_json(response.body)
    if err or not isinstance(doc, dict):
        return f"{response.status} {len(response.body)} bytes"
    if "error" in doc:
        return f"{response.status} {doc['error'][:150]}"
    keys = [k for k in doc if k != "meta"]
    items = doc.get(keys[0]) if keys else None
    total = doc.get("meta", {}).get("total")
    n = len(items) if isinstance(items, list) else "?"
    ids = ""
    if isinstance(items, list) and items and isinstance(items[0], dict):
        key = SURVEY_KEYS.get(keys[0])
        if key not in items[0] and items[0]:
            key = sorted(items[0])[0]
        ids = f" {key}=" + ",".join(short(i.get(key), 40) for i in items[:15])
    return f"{response.status} {keys[0] if keys else '-'} n={n} total={total}{ids}"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--module", required=True, help="mod_bbwww base URL, e.g. http://127.0.0.1:8529/")
    ap.add_argument("--master", required=True, help="Buildbot master base URL, e.g. http://127.0.0.1:8541/")
    ap.add_argument("--urls", required=True, help="URL list file (t/interop/urls.txt)")
    ap.add_argument("--differences", required=True,
                    help="file with the differences list (README.md or t/interop/DIFFERENCES.md)")
    ap.add_argument("--record", help="write the master's answers as JSON lines to this file")
    ap.add_argument("--survey", action="store_true",
                    help="only fetch from the master and print a summary per URL")
    ap.add_argument("--tap", action="store_true", help="print one TAP line per URL")
    ap.add_argument("--verbose", "-v", action="store_true", help="print a line for every URL")
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds per HTTP request")
    ap.add_argument("--jobs", "-j", type=int, default=4, help="URLs compared at the same time")
    ap.add_argument("--retry-delay", type=float, default=0.5,
                    help="seconds to wait before refetching a mismatching URL")
    args = ap.parse_args(argv)

    diffs = parse_differences(args.differences)
    entries = parse_urls(args.urls)
    master = Server(args.master, "master", args.timeout)
    module = Server(args.module, "module", args.timeout)

    if args.survey:
        for e in entries:
            variant, method, accept = variants_of(e)[0]
            r = master.fetch(e.path, method, accept)
            tag = f" [{e.expect}]" if e.expect else ""
            print(f"{e.lineno:4d} {e.path}{tag}\n       -> {survey_line(e, r)}")
        return 0

    for server in (master, module):
        r = server.fetch("/api/v2")
        if r.status == 0:
            print(f"interop: the {server.name} at {server.base} does not answer: "
                  f"{r.body.decode('utf-8', 'replace')}", file=sys.stderr)
            return 2

    unused = set(diffs) - {e.expect for e in entries if e.expect}
    comparator = Comparator(master, module, diffs, args.retry_delay)
    counts = {"identical": 0, "documented": 0}
    failures = []

    def report(n, e, reason):
        label = f"{e.path}" + (f" (expect {e.expect})" if e.expect else "")
        if reason is None:
            counts["documented" if e.expect else "identical"] += 1
            if args.tap:
                print(f"ok {n} - {label}")
            elif args.verbose:
                print(f"ok    {label}")
        else:
            failures.append((e, reason))
            if args.tap:
                print(f"not ok {n} - {label}\n#   line {e.lineno}: {reason}")
            else:
                print(f"FAIL  {label}\n      line {e.lineno}: {reason}")
        sys.stdout.flush()

    def check(e):
        return comparator.check_documented(e) if e.expect else comparator.check_identical(e)

    # A few URLs at a time; answers are printed in the order of the list.
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        reasons = pool.map(check, entries)
        for n, (e, reason) in enumerate(zip(entries, reasons), 1):
            report(n, e, reason)


    if args.record:
        with open(args.record, "w", encoding="utf-8") as f:
            for rec in sorted(comparator.records, key=lambda r: (r["line"], r["variant"])):
                f.write(json.dumps(rec, sort_keys=True) + "\n")
    for code in sorted(unused):
        print(f"# note: difference {code} is not exercised by any URL")
    if args.tap:
        print(f"1..{len(entries)}")
    summary = (f"interop: {len(entries)} urls, {counts['identical']} identical, "
               f"{counts['documented']} documented differences, {len(failures)} failures")
    print(("# " if args.tap else "") + summary)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
