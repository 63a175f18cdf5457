#!/usr/bin/python3
"""Deterministic benchmark data for ampmeter (python3 standard library only).

    bench/gen.py OUT_DIR [--events N] [--members N] [--channels N]
                 [--batch N] [--seed N] [--year YYYY] [--orgs A,B,...]
                 [--tail K] [--days D]

Writes into OUT_DIR:
  campaigns.tsv     one line per campaign: id <TAB> JSON body for
                    PUT /v1/campaigns/{id}
  batches/NNNNN.json  N events split into POST /v1/events bodies of --batch
                    events each, ids e0000000..; every batch is new events
                    (for each org: the org comes from the token)
  copy.ORG.csv      for each org, N more events of the same shape (same
                    members, channels, times, campaigns), ids c0000000.., as
                    the rows the ingest function would store, for
                    `\\copy amp.events (COPY_COLUMNS) FROM copy.ORG.csv CSV`
  meta.json         the parameters and counts

The events are spread over one UTC calendar year (default 2024, so never in
the future), or with --days D over its last D days, over --members members (some far more active than others) and
--channels channels; about two in five name one of 12 campaigns, most of
those leaving initiative and rewarded to the campaign's defaults. Both
halves come from the same random stream in chronological order, so the
ingest and the COPY baseline load equivalent data.

--tail K shapes who is active: member i is drawn as N * U^K (U uniform),
so K = 2 (the default) is a mild skew, and K = 4 or more a long tail as
real communities have it: a few members with many events, most with a
handful (with 100 000 members and K = 4, half of them have under a tenth of
the mean).
"""
import argparse
import csv
import json
import os
import random
from datetime import datetime, timedelta, timezone

COPY_COLUMNS = ("org_id", "id", "member", "channel", "action", "kind",
                "occurred_at", "initiative", "rewarded", "beneficiary",
                "quality", "level", "campaign", "value", "properties")

# A member is drawn as members[int(len(members) * random() ** tail)], by
# default with tail = MEMBER_SKEW: some far more active than others, a long
# tail with few events each (--tail).
MEMBER_SKEW = 2
CHANNEL_NAMES = ["web", "app", "email", "forum", "chat", "store", "events",
                 "support", "social", "partner"]
KINDS = [("consume", 50), ("react", 25), ("create", 12), ("contribute", 8),
         ("convert", 5)]
ACTIONS = {
    "consume": ["view", "read", "watch", "listen"],
    "react": ["like", "vote", "rate", "share"],
    "create": ["post", "upload", "review"],
    "contribute": ["answer", "edit", "mentor"],
    "convert": ["purchase", "subscribe", "renew"],
}
INCENTIVES = ["none", "recognition", "points", "tangible", "monetary",
              "contest", "quota"]
CONTINGENCIES = ["none", "engagement", "completion", "performance"]


def iso(ts):
    return ts.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (ts.microsecond // 1000)


def weighted(rng, pairs):
    total = sum(w for _, w in pairs)
    x = rng.uniform(0, total)
    for v, w in pairs:
        x -= w
        if x <= 0:
            return v
    return pairs[-1][0]


def make_campaigns(rng, year, channels):
    start = datetime(year, 1, 1, tzinfo=timezone.utc)
    out = []
    for i in range(12):
        begins = start + timedelta(days=30 * i + rng.randrange(0, 10))
        body = {
            "name": f"Bench campaign {i + 1}",
            "incentive": INCENTIVES[i % len(INCENTIVES)],
            "contingency": CONTINGENCIES[i % len(CONTINGENCIES)],
            "starts_at": iso(begins),
            "ends_at": iso(begins + timedelta(days=45)),
        }
        if i % 3 == 0:
            body["channel"] = channels[i % len(channels)]
        out.append((f"bench-c{i + 1:02d}", body, begins,
                    begins + timedelta(days=45)))
    return out


def make_event(rng, ts, members, channels, campaigns, tail=MEMBER_SKEW):
    kind = weighted(rng, KINDS)
    ev = {
        # Some members are much more active than others.
        "member": members[int(len(members) * rng.random() ** tail)],
        "channel": channels[rng.randrange(len(channels))],
        "action": rng.choice(ACTIONS[kind]),
        "kind": kind,
        "occurred_at": iso(ts),
    }
    live = [c for c in campaigns if c[2] <= ts < c[3]]
    if live and rng.random() < 0.4:
        cid, body, _, _ = rng.choice(live)
        ev["campaign"] = cid
        if "channel" in body:
            ev["channel"] = body["channel"]
    r = rng.random()
    if "campaign" not in ev or r < 0.3:
        # Explicit motivation; campaign events mostly take the defaults.
        ev["initiative"] = rng.choice(["self", "self", "self", "prompted",
                                       "incentivized"])
        ev["rewarded"] = ev["initiative"] == "incentivized" or rng.random() < 0.05
    ev["beneficiary"] = rng.choice(["self", "self", "others", "community"])
    if kind in ("create", "contribute") or rng.random() < 0.2:
        ev["quality"] = round(rng.random(), 3)
        ev["level"] = rng.randint(1, 5)
    if kind == "convert":
        ev["value"] = round(rng.uniform(5, 500), 2)
    if rng.random() < 0.3:
        ev["properties"] = {"device": rng.choice(["mobile", "desktop", "tablet"]),
                            "session": rng.randrange(1, 10 ** 6)}
    return ev


def stored_row(org, eid, ev, incentive_of):
    """The amp.events row amp.ingest_events() would write for `ev`."""
    inc = incentive_of.get(ev.get("campaign"))
    initiative = ev.get("initiative")
    if initiative is None:
        initiative = ("self" if inc is None else
                      "prompted" if inc in ("none", "recognition") else
                      "incentivized")
    rewarded = ev.get("rewarded")
    if rewarded is None:
        rewarded = inc is not None and inc not in ("none", "recognition")
    return [org, eid, ev["member"], ev["channel"], ev["action"], ev["kind"],
            ev["occurred_at"], initiative, "t" if rewarded else "f",
            ev.get("beneficiary", "self"), ev.get("quality"), ev.get("level"),
            ev.get("campaign"), ev.get("value"),
            json.dumps(ev["properties"], separators=(",", ":"))
            if "properties" in ev else None]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--events", type=int, default=200000)
    ap.add_argument("--members", type=int, default=1000)
    ap.add_argument("--channels", type=int, default=5)
    ap.add_argument("--batch", type=int, default=500)
    ap.add_argument("--seed", type=int, default=20240101)
    ap.add_argument("--year", type=int, default=2024)
    ap.add_argument("--tail", type=float, default=MEMBER_SKEW)
    ap.add_argument("--days", type=int, default=0,
                    help="spread the events over the year's last D days")
    ap.add_argument("--orgs", default="bench",
                    help="comma-separated tenants to write COPY files for")
    a = ap.parse_args()
    if not 1 <= a.channels <= len(CHANNEL_NAMES):
        ap.error(f"--channels must be 1..{len(CHANNEL_NAMES)}")

    rng = random.Random(a.seed)
    members = [f"m{i:05d}" for i in range(a.members)]
    channels = CHANNEL_NAMES[:a.channels]
    campaigns = make_campaigns(rng, a.year, channels)
    incentive_of = {cid: body["incentive"] for cid, body, _, _ in campaigns}

    start = datetime(a.year, 1, 1, tzinfo=timezone.utc)
    end = datetime(a.year + 1, 1, 1, tzinfo=timezone.utc)
    if a.days > 0:
        start = max(start, end - timedelta(days=a.days))
    span = end - start
    span_ms = int(span.total_seconds() * 1000)
    # 2N sorted instants: even ones feed the ingest, odd ones the COPY.
    instants = sorted(rng.randrange(span_ms) for _ in range(2 * a.events))

    os.makedirs(os.path.join(a.out, "batches"), exist_ok=True)
    with open(os.path.join(a.out, "campaigns.tsv"), "w") as f:
        for cid, body, _, _ in campaigns:
            f.write(cid + "\t" + json.dumps(body, separators=(",", ":")) + "\n")

    orgs = [o for o in a.orgs.split(",") if o]
    files = [open(os.path.join(a.out, f"copy.{o}.csv"), "w", newline="")
             for o in orgs]
    writers = [csv.writer(f, lineterminator="\n") for f in files]
    batch, nbatch = [], 0
    for i in range(a.events):
        ts = start + timedelta(milliseconds=instants[2 * i])
        ev = dict(id=f"e{i:07d}", **make_event(rng, ts, members, channels,
                                               campaigns, a.tail))
        batch.append(ev)
        if len(batch) == a.batch or i == a.events - 1:
            with open(os.path.join(a.out, "batches", f"{nbatch:05d}.json"),
                      "w") as bf:
                json.dump({"events": batch}, bf, separators=(",", ":"))
            batch, nbatch = [], nbatch + 1
        ts = start + timedelta(milliseconds=instants[2 * i + 1])
        twin = make_event(rng, ts, members, channels, campaigns, a.tail)
        row = stored_row(None, f"c{i:07d}", twin, incentive_of)
        for org, w in zip(orgs, writers):
            row[0] = org
            w.writerow(row)
    for f in files:
        f.close()

    with open(os.path.join(a.out, "meta.json"), "w") as f:
        json.dump({"events": a.events, "batches": nbatch, "batch": a.batch,
                   "members": a.members, "tail": a.tail, "channels": channels,
                   "campaigns": len(campaigns), "seed": a.seed,
                   "year": a.year, "days": a.days, "orgs": orgs,
                   "copy_columns": list(COPY_COLUMNS)}, f, indent=1)
        f.write("\n")
    print(f"generated {a.events} events in {nbatch} batches of {a.batch} "
          f"and {a.events} COPY rows ({a.members} members, "
          f"{len(channels)} channels, {len(campaigns)} campaigns, {a.year})")


if __name__ == "__main__":
    main()
