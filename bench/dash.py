#!/usr/bin/python3
"""Dashboards reading ampmeter, each in a process of its own (python3
standard library only).

    bench/dash.py BASE --org TOKEN [--org TOKEN ...] [--sessions N]
                  [--ops indicators,series,events] [--secs S | --count N]
                  [--think S] [--warmup N] [--deadline-ms MS]
                  [--header 'Name: value' ...]

Each org (given by its bearer token) gets --sessions sessions; a session is
one keep-alive connection that goes round the --ops until --secs have
passed (or --count rounds are done, after --warmup rounds not counted),
sleeping --think seconds after each round, as a dashboard refreshing:

  indicators  GET /v1/indicators over the last 90 days (from 89 days ago
              to today, whole UTC days)
  series      GET /v1/indicators/series?interval=week over the same window
  series400   GET /v1/indicators/series?interval=day over the last 400 days
  events      GET /v1/events?limit=50, then the next page with its cursor

Prints one JSON object: for each op, the number of answers, p50/p95/p99/max
in ms (from sending the request to the last byte of the answer), the
answers by status, those that took longer than --deadline-ms by status,
and the mean bytes of a body as sent (compressed when it was).
"""
import argparse
import http.client
import json
import multiprocessing
import sys
import time
import urllib.parse
from datetime import datetime, timedelta, timezone


def window(days):
    today = datetime.now(timezone.utc).date()
    return f"from={today - timedelta(days=days - 1)}&to={today}"


def paths(op):
    if op == "indicators":
        return "/v1/indicators?" + window(90)
    if op == "series":
        return "/v1/indicators/series?interval=week&" + window(90)
    if op == "series400":
        return "/v1/indicators/series?interval=day&" + window(400)
    if op == "events":
        return "/v1/events?limit=50"
    raise SystemExit(f"dash.py: unknown op {op}")


def session(args):
    base, token, a, out = args
    try:
        out.put(rounds(base, token, a))
    except Exception as e:	# the parent must not wait for it forever
        out.put({"error": f"{type(e).__name__}: {e}"})


def rounds(base, token, a):
    u = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=120)
    hdr = {"Authorization": "Bearer " + token}
    for h in a.header:
        name, _, value = h.partition(":")
        hdr[name.strip()] = value.strip()
    rec = {}

    def get(op, path, keep):
        t = time.perf_counter()
        conn.request("GET", path, headers=hdr)
        r = conn.getresponse()
        body = r.read()
        ms = (time.perf_counter() - t) * 1000
        if keep:
            o = rec.setdefault(op, {"ms": [], "statuses": {}, "bytes": 0,
                                    "slow": {}})
            o["ms"].append(ms)
            if ms > a.deadline_ms:
                o["slow"][r.status] = o["slow"].get(r.status, 0) + 1
            o["statuses"][r.status] = o["statuses"].get(r.status, 0) + 1
            o["bytes"] += len(body)
        return r.status, body

    ops = a.ops.split(",")
    end = time.monotonic() + a.secs if a.secs else None
    n = 0
    while True:
        keep = n >= a.warmup
        if end is not None and keep and time.monotonic() >= end:
            break
        if end is None and n >= a.warmup + a.count:
            break
        for op in ops:
            status, body = get(op, paths(op), keep)
            if op == "events" and status == 200:
                cursor = json.loads(body).get("next_cursor")
                if cursor:
                    get(op, "/v1/events?limit=50&cursor=" +
                        urllib.parse.quote(cursor, safe=""), keep)
        n += 1
        if a.think:
            time.sleep(a.think)
    return rec


def pct(ms, p):
    return ms[min(len(ms) - 1, max(0, int(round(p / 100 * len(ms))) - 1))]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("base")
    ap.add_argument("--org", action="append", required=True,
                    help="a bearer token; its org is the tenant read")
    ap.add_argument("--sessions", type=int, default=1)
    ap.add_argument("--ops", default="indicators,series,events")
    ap.add_argument("--secs", type=float, default=0)
    ap.add_argument("--count", type=int, default=100)
    ap.add_argument("--warmup", type=int, default=0)
    ap.add_argument("--think", type=float, default=0)
    ap.add_argument("--deadline-ms", type=float, default=10000)
    ap.add_argument("--header", action="append", default=[])
    a = ap.parse_args()

    out = multiprocessing.Queue()
    procs = [multiprocessing.Process(target=session,
                                     args=((a.base, tok, a, out),))
             for tok in a.org for _ in range(a.sessions)]
    for p in procs:
        p.start()
    recs = [out.get() for _ in procs]
    for p in procs:
        p.join()
    for rec in recs:
        if "error" in rec:
            sys.exit("dash.py: a session failed: " + rec["error"])

    result = {}
    for rec in recs:
        for op, o in rec.items():
            m = result.setdefault(op, {"ms": [], "statuses": {}, "bytes": 0,
                                       "over_deadline": {}})
            m["ms"] += o["ms"]
            m["bytes"] += o["bytes"]
            for key, part in (("statuses", "statuses"),
                              ("over_deadline", "slow")):
                for s, n in o[part].items():
                    m[key][str(s)] = m[key].get(str(s), 0) + n
    for op, m in result.items():
        ms = sorted(m.pop("ms"))
        m.update(n=len(ms), p50=round(pct(ms, 50), 1),
                 p95=round(pct(ms, 95), 1), p99=round(pct(ms, 99), 1),
                 max=round(ms[-1], 1), bytes=round(m["bytes"] / len(ms)))
    json.dump(result, sys.stdout, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
