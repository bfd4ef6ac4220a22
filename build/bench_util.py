#!/usr/bin/python3
"""Helpers for build/bench.sh (stdlib only).

    bench_util.py ids DB.sqlite                 print shell assignments of the ids the URLs use
    bench_util.py wrk OUT.tsv DB URLNAME SERVER URL WRKOUTPUT
                                                append one measurement (wrk + build/bench.lua output)
    bench_util.py stream PPID URL EXPECT_BYTES  stream URL with curl, sample the RSS of PPID's
                                                children every 0.2 s, print the figures
    bench_util.py compare OUT.tsv DB URLNAME CODE MODULE_BODY MASTER_BODY
                                                append whether the two bodies agree
    bench_util.py report OUT.tsv [STREAM.txt [BODIES.tsv]]
                                                print the comparison table and the final line
"""

import json
import os
import sqlite3
import subprocess
import sys
import threading
import time


def cmd_ids(db):
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    q = lambda sql: con.execute(sql).fetchone()
    builderid = q("SELECT builderid FROM builds WHERE complete_at IS NOT NULL "
                  "GROUP BY builderid ORDER BY count(*) DESC, builderid LIMIT 1")[0]
    buildid = q("SELECT buildid FROM steps GROUP BY buildid "
                "ORDER BY count(*) DESC, buildid DESC LIMIT 1")[0]
    print("BUILDERID=%d" % builderid)
    print("BUILDID=%d" % buildid)
    con.close()


def parse_wrk(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            if line.startswith("WRKJSON "):
                return json.loads(line[8:])
    return None


def cmd_wrk(out, db, name, server, url, wrkout):
    r = parse_wrk(wrkout)
    if r is None:
        r = {"requests": 0, "duration_us": 1, "err_status": -1, "p99_us": 0, "mean_us": 0}
    errors = sum(r.get(k, 0) for k in ("err_connect", "err_read", "err_write", "err_timeout"))
    rps = r["requests"] / (r["duration_us"] / 1e6) if r["duration_us"] else 0.0
    row = [db, name, server, url, "%.1f" % rps, "%.3f" % (r["p99_us"] / 1000.0),
           "%.3f" % (r["mean_us"] / 1000.0), str(r["requests"]), str(r.get("err_status", 0)),
           str(errors), str(r.get("bytes", 0))]
    with open(out, "a") as f:
        f.write("\t".join(row) + "\n")
    bad = ""
    if r.get("err_status", 0):
        bad = "  (%s non-2xx/3xx responses)" % r["err_status"]
    if errors:
        bad += "  (%d socket errors/timeouts)" % errors
    print("  %-7s %-16s %10.1f req/s  p99 %9.3f ms%s" % (server, name, rps, r["p99_us"] / 1000.0, bad))


def strip_meta(v):
    if isinstance(v, dict):
        v = dict(v)
        v.pop("meta", None)
    return v


def cmd_compare(out, db, name, code, mod_path, mst_path):
    """same = identical bytes; json = equal as JSON (meta ignored);
    DIFFERS = both parse but differ; MODULE-<code> = module did not answer 200."""
    try:
        a = open(mod_path, "rb").read()
        b = open(mst_path, "rb").read()
    except OSError:
        a = b = b""
    if code != "200":
        verdict = "MODULE-%s" % code
    elif a == b:
        verdict = "same"
    else:
        try:
            ja, jb = json.loads(a), json.loads(b)
            verdict = "json" if strip_meta(ja) == strip_meta(jb) else "DIFFERS"
        except ValueError:
            verdict = "DIFFERS"
    with open(out, "a") as f:
        f.write("\t".join([db, name, verdict, str(len(a)), str(len(b))]) + "\n")


# ---------------------------------------------------------------------------

def children(ppid):
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                st = f.read()
            if int(st.rsplit(")", 1)[1].split()[1]) == ppid:
                out.append(int(d))
        except (OSError, ValueError, IndexError):
            pass
    return out


def rss_kib(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def sample(ppid):
    """(largest child RSS, sum of children RSS) in KiB."""
    vals = [rss_kib(p) for p in children(ppid)]
    return (max(vals) if vals else 0, sum(vals))


def cmd_stream(ppid, url, expect):
    ppid = int(ppid)
    expect = int(expect)
    before = [sample(ppid)]
    for _ in range(5):
        time.sleep(0.2)
        before.append(sample(ppid))
    during = []
    stop = threading.Event()

    def sampler():
        while not stop.is_set():
            during.append(sample(ppid))
            stop.wait(0.2)

    th = threading.Thread(target=sampler, daemon=True)
    th.start()
    t0 = time.time()
    p = subprocess.run(["curl", "-s", "-o", "/dev/null", "--max-time", "900",
                        "-w", "%{http_code} %{size_download} %{time_total}", url],
                       stdout=subprocess.PIPE, text=True)
    wall = time.time() - t0
    stop.set()
    th.join()
    after = sample(ppid)
    try:
        code, size, ttotal = p.stdout.split()
        size, ttotal = int(float(size)), float(ttotal)
    except ValueError:
        code, size, ttotal = "000", 0, wall
    rate = size / ttotal if ttotal > 0 else 0
    mb = lambda k: k / 1024.0
    print("stream: GET %s -> HTTP %s, %d bytes (expected ~%d) in %.2f s = %.1f MB/s"
          % (url, code, size, expect, ttotal, rate / 1e6))
    print("stream: Apache children RSS at start: largest %.1f MiB, all children %.1f MiB"
          % (mb(max(b[0] for b in before)), mb(max(b[1] for b in before))))
    print("stream: Apache children RSS during:   largest %.1f MiB, all children %.1f MiB (%d samples)"
          % (mb(max([d[0] for d in during] or [0])), mb(max([d[1] for d in during] or [0])), len(during)))
    print("stream: Apache children RSS after:    largest %.1f MiB" % mb(after[0]))
    ok = code == "200" and size > 0 and abs(size - expect) <= max(16, expect // 1000)
    print("STREAMJSON " + json.dumps({
        "http": code, "bytes": size, "expected": expect, "seconds": ttotal, "bytes_per_s": rate,
        "rss_start_kib": max(b[0] for b in before), "rss_peak_kib": max([d[0] for d in during] or [0]),
        "ok": ok}))
    return 0


# ---------------------------------------------------------------------------

def cmd_report(tsv, bodies_tsv=None):
    bodies = {}
    if bodies_tsv and os.path.exists(bodies_tsv):
        with open(bodies_tsv) as f:
            for line in f:
                p = line.rstrip("\n").split("\t")
                if len(p) == 5:
                    bodies[(p[0], p[1])] = "%s %dB/%dB" % (p[2], int(p[3]), int(p[4]))
    rows = []
    with open(tsv) as f:
        for line in f:
            p = line.rstrip("\n").split("\t")
            if len(p) < 11:
                continue
            rows.append(dict(db=p[0], name=p[1], server=p[2], url=p[3], rps=float(p[4]),
                             p99=float(p[5]), mean=float(p[6]), n=int(p[7]),
                             status_err=int(p[8]), sock_err=int(p[9])))
    idx = {(r["db"], r["name"], r["server"]): r for r in rows}
    dbs = []
    names = []
    for r in rows:
        if r["db"] not in dbs:
            dbs.append(r["db"])
        if r["name"] not in names:
            names.append(r["name"])

    def ok(r):
        return r is not None and r["n"] > 0 and r["status_err"] == 0

    print()
    print("%-6s %-15s %-7s %11s %10s %10s %9s %9s  %s" % (
        "db", "url", "server", "req/s", "p99 ms", "mean ms", "mod/mst", "mod/stat",
        "path; body vs master (module/master bytes)"))
    print("-" * 118)
    ratios = {"module": ([], []), "nocache": ([], [])}   # vs master, vs static
    for db in dbs:
        for name in names:
            mst = idx.get((db, name, "master"))
            sta = idx.get((db, name, "static"))
            shown = {}
            for kind in ("module", "nocache"):
                mod = idx.get((db, name, kind))
                r_m = r_s = None
                if mod and mst and ok(mst):
                    r_m = mod["rps"] / mst["rps"] if ok(mod) and mst["rps"] > 0 else 0.0
                    ratios[kind][0].append(r_m)
                if mod and sta and ok(sta):
                    r_s = mod["rps"] / sta["rps"] if ok(mod) and sta["rps"] > 0 else 0.0
                    ratios[kind][1].append(r_s)
                shown[kind] = (r_m, r_s)
            for srv in ("module", "nocache", "master", "static"):
                r = idx.get((db, name, srv))
                if r is None:
                    continue
                r_m, r_s = shown.get(srv, (None, None))
                flag = "" if ok(r) else "  FAILED(%d non-2xx, %d requests)" % (r["status_err"], r["n"])
                print("%-6s %-15s %-7s %11.1f %10.3f %10.3f %9s %9s  %s%s" % (
                    db, name, srv, r["rps"], r["p99"], r["mean"],
                    ("%.2f" % r_m) if r_m is not None else "",
                    ("%.2f" % r_s) if r_s is not None else "",
                    (r["url"] + "  " + bodies.get((db, name), "")) if srv == "module" else "", flag))
        print("-" * 118)
    if len(dbs) >= 2 and "small" in dbs and "large" in dbs:
        print("latency, large DB vs small DB (ratio of p99 and of mean; 1.0 = no slower):")
        for kind in ("module", "nocache"):
            for name in names:
                s = idx.get(("small", name, kind))
                l = idx.get(("large", name, kind))
                if ok(s) and ok(l) and s["p99"] > 0 and s["mean"] > 0:
                    print("  %-7s %-15s p99 %7.3f -> %7.3f ms  x%.2f   mean %7.3f -> %7.3f ms  x%.2f" % (
                        kind, name, s["p99"], l["p99"], l["p99"] / s["p99"], s["mean"], l["mean"],
                        l["mean"] / s["mean"]))
                elif s or l:
                    print("  %-7s %-15s n/a (failed on one DB)" % (kind, name))
    print("(module = default configuration; nocache = BuildbotResponseCache Off, every request runs its SQL)")
    fmt = lambda v: ("%.2f" % min(v)) if v else "nan"
    print("bench (BuildbotResponseCache Off): min_ratio_vs_master=%s min_ratio_vs_static=%s"
          % (fmt(ratios["nocache"][0]), fmt(ratios["nocache"][1])))
    return fmt(ratios["module"][0]), fmt(ratios["module"][1])


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    cmd = argv[1]
    if cmd == "ids" and len(argv) == 3:
        cmd_ids(argv[2])
    elif cmd == "wrk" and len(argv) == 8:
        cmd_wrk(*argv[2:])
    elif cmd == "stream" and len(argv) == 5:
        return cmd_stream(*argv[2:])
    elif cmd == "compare" and len(argv) == 8:
        cmd_compare(*argv[2:])
    elif cmd == "report" and len(argv) in (3, 4, 5):
        m, s = cmd_report(argv[2], argv[4] if len(argv) == 5 else None)
        stream = argv[3] if len(argv) >= 4 else None
        if stream and os.path.exists(stream):
            with open(stream) as f:
                for line in f:
                    if line.startswith("stream:"):
                        print(line.rstrip())
        print("bench: min_ratio_vs_master=%s min_ratio_vs_static=%s" % (m, s))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
