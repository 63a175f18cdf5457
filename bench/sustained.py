#!/usr/bin/python3
"""Sustained ingest with dashboards polling (bench/sections/sustained.sh).

    bench/sustained.py BASE TOKEN BATCH_DIR NBATCHES
        [--conns 4] [--dashboards 4] [--poll 1] [--quiet 20] [--secs 600]
        [--from DATE --to DATE]

Phases, one org, one run:
  quiet    the dashboards poll for --quiet seconds, nothing else runs
  ingest   --conns connections post the batches flat out for --secs
           seconds while the dashboards poll, over and over (each pass
           under new event ids: the same community keeps on engaging in
           the same days); the clock stops at the last answer: each
           batch's rollups are written in its own transaction, none is
           left behind
  settle   the dashboards poll on; the time until a read is back under
           the quiet p95 is the settling time
With --dashboards 0 only the ingest runs: what ingestion costs when no
window is followed.
A dashboard refreshes every --poll seconds (0: flat out, one refresh
after the other): GET /v1/indicators over the window, then GET
/v1/indicators/series?interval=week over the same window. Prints one line
of key=value figures; latencies in ms. Standard library only (and psql).
"""
import argparse
import http.client
import json
import multiprocessing
import os
import statistics
import sys
import threading
import time
from urllib.parse import urlsplit


def pct(xs, p):
    if not xs:
        return float("nan")
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


class Conn:
    def __init__(self, base, token):
        u = urlsplit(base)
        self.c = http.client.HTTPConnection(u.hostname, u.port, timeout=120)
        self.h = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}

    def call(self, method, path, body=None):
        try:
            self.c.request(method, path, body=body, headers=self.h)
            r = self.c.getresponse()
            data = r.read()
            return r.status, data
        except (OSError, http.client.HTTPException):
            self.c.close()
            return 0, b""


WRITER = {}


def writer_init(base, token, batches, nbatches, deadline, counter):
    WRITER.update(conn=Conn(base, token), batches=batches, n=nbatches,
                  deadline=deadline, counter=counter)


def writer(_):
    """Posts the next batch until the deadline: (events accepted, failed
    posts). Pass p > 0 sends batch k with its event ids prefixed pP-."""
    accepted = failed = 0
    w = WRITER
    while time.monotonic() < w["deadline"]:
        with w["counter"].get_lock():
            i = w["counter"].value
            w["counter"].value += 1
        k, p = i % w["n"], i // w["n"]
        with open(os.path.join(w["batches"], "%05d.json" % k), "rb") as f:
            body = f.read()
        if p > 0:
            body = body.replace(b'"id":"', b'"id":"p%d-' % p)
        status, data = w["conn"].call("POST", "/v1/events", body)
        if status == 200:
            accepted += json.loads(data)["accepted"]
        else:
            failed += 1
    return accepted, failed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("base")
    ap.add_argument("token")
    ap.add_argument("batches")
    ap.add_argument("nbatches", type=int)
    ap.add_argument("--conns", type=int, default=4)
    ap.add_argument("--dashboards", type=int, default=4)
    ap.add_argument("--poll", type=float, default=1.0)
    ap.add_argument("--quiet", type=float, default=20)
    ap.add_argument("--secs", type=float, default=600)
    ap.add_argument("--from", dest="frm", default="2024-10-03")
    ap.add_argument("--to", default="2024-12-31")
    a = ap.parse_args()

    paths = ["/v1/indicators?from=%s&to=%s" % (a.frm, a.to),
             "/v1/indicators/series?interval=week&from=%s&to=%s" % (a.frm, a.to)]
    phase = ["quiet"]
    reads = {"quiet": [], "ingest": [], "settle": []}
    failed = {"quiet": 0, "ingest": 0, "settle": 0}
    settle_marks = []           # (t, ms) of settle-phase reads
    stop = threading.Event()
    first_failure = []

    warm = threading.Barrier(a.dashboards + 1)

    def dashboard(k):
        c = Conn(a.base, a.token)
        # An open dashboard: its first refresh (which computes what later
        # ones take again) is not a quiet read.
        for path in paths:
            c.call("GET", path)
        warm.wait()
        # Refreshes spread over the period, as dashboards opened apart.
        time.sleep(a.poll * k / max(1, a.dashboards))
        while not stop.is_set():
            refresh = time.monotonic()
            for path in paths:
                p = phase[0]
                t0 = time.monotonic()
                status, body = c.call("GET", path)
                t1 = time.monotonic()
                ms = (t1 - t0) * 1000
                if status == 200:
                    reads[p].append(ms)
                    if p == "settle":
                        settle_marks.append((t1, ms))
                else:
                    failed[p] += 1
                    if not first_failure:
                        first_failure.append("%s %s" % (status, body[:200]))
            stop.wait(max(0.0, refresh + a.poll - time.monotonic()))

    dash = [threading.Thread(target=dashboard, args=(k,))
            for k in range(a.dashboards)]
    for t in dash:
        t.start()
    warm.wait()
    if a.dashboards:
        time.sleep(a.quiet)
    quiet_p95 = pct(reads["quiet"], 95)

    # Ingest flat out, from processes of their own: a writer thread
    # sending a batch holds the interpreter lock the dashboards' clocks
    # would otherwise wait for.
    phase[0] = "ingest"
    deadline = time.monotonic() + a.secs
    t_start = time.monotonic()
    counter = multiprocessing.Value("q", 0)
    with multiprocessing.Pool(a.conns, initializer=writer_init,
                              initargs=(a.base, a.token, a.batches, a.nbatches,
                                        deadline, counter)) as pool:
        results = pool.map(writer, range(a.conns), chunksize=1)
    t_posted = time.monotonic()
    accepted = sum(n for n, _ in results)
    bad = sum(f for _, f in results)

    phase[0] = "settle"
    t_settle0 = time.monotonic()
    settled = None
    while a.dashboards and time.monotonic() - t_settle0 < 60:
        time.sleep(0.2)
        recent = [ms for t, ms in settle_marks if t > t_settle0]
        if recent and recent[-1] <= quiet_p95:
            settled = settle_marks[-1][0] - t_posted
            break
    stop.set()
    for t in dash:
        t.join()

    figures = {
        "accepted": accepted, "bad_posts": bad,
        "post_secs": round(t_posted - t_start, 2),
        "eps": round(accepted / (t_posted - t_start), 1),
        "quiet_n": len(reads["quiet"]), "quiet_p50": round(pct(reads["quiet"], 50), 1),
        "quiet_p95": round(quiet_p95, 1),
        "ingest_n": len(reads["ingest"]), "ingest_p50": round(pct(reads["ingest"], 50), 1),
        "ingest_p95": round(pct(reads["ingest"], 95), 1),
        "failed_reads": failed["quiet"] + failed["ingest"] + failed["settle"],
        "settle_secs": round(settled, 2) if settled is not None else -1,
    }
    print("SUSTAINED " + " ".join("%s=%s" % kv for kv in figures.items()))
    if first_failure:
        print("first failed read: " + first_failure[0], file=sys.stderr)


if __name__ == "__main__":
    main()
