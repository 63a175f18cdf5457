#!/usr/bin/python3
"""Event templates for load that goes on for as long as it is asked to.

    bench/fragments.py OUT [--count N] [--members N] [--channels N] [--seed N]

bench/gen.py writes a fixed set of events; a soak or a flood needs new
events for minutes on end, built by the load generator itself
(bench/live.lua) without running out. OUT gets, on its first line, a JSON
object saying how to draw a member ({"members": N, "skew": S, "format":
"u%07d"}: the member of an event is format % int(N * random() ** S), the
long tail of gen.py over many more members), then --count lines, each one
event of gen.py's shape (kind, action, channel, motivation, quality, value,
properties) with three printf-style %s holes, in this order: its id, its
member, its occurred_at. No campaigns: a tenant of the load has none.
"""
import argparse
import json
import os
import random
import sys
from datetime import datetime, timezone

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen  # noqa: E402

HOLE = "%s"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--count", type=int, default=20000)
    ap.add_argument("--members", type=int, default=200000)
    ap.add_argument("--channels", type=int, default=5)
    ap.add_argument("--seed", type=int, default=20261129)
    a = ap.parse_args()

    rng = random.Random(a.seed)
    channels = gen.CHANNEL_NAMES[:a.channels]
    ts = datetime(2026, 1, 1, tzinfo=timezone.utc)	# replaced by a hole
    with open(a.out, "w") as f:
        f.write(json.dumps({"members": a.members, "skew": gen.MEMBER_SKEW,
                            "format": "u%07d"}) + "\n")
        for _ in range(a.count):
            ev = gen.make_event(rng, ts, [HOLE], channels, [])
            ev["occurred_at"] = HOLE
            line = json.dumps({"id": HOLE, **ev}, separators=(",", ":"))
            # The three holes and no other %: a template for string.format.
            assert line.count("%") == 3, line
            f.write(line + "\n")


if __name__ == "__main__":
    main()
