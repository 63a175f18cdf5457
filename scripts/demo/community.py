#!/usr/bin/python3
"""A believable community for ampmeter's demo org (python3 standard library only).

    scripts/demo/community.py [--seed N] [--now RFC3339] [--summary]

prints the community as one JSON document (or, with --summary, what it was
built to show). `generate(seed, now)` is what the loader (load.py) and the
API tests use. The same seed and the same UTC day of `now` give the same
community, byte for byte; every date is relative to that day.

What it holds, over the 180 complete UTC days before `now`:
- ~2 000 members on forum, chat and GitHub with long-tail activity (a few
  members do most of it), joining over time, whose contributions get better
  (quality) and deeper (kinds) the longer they stay;
- two KPIs with targets (sign-ups per week, leads per month) whose results
  rise, most of all during the points campaign;
- a points campaign in the middle (6 weeks, starting on a Monday): the
  members who take part earn points for activity, results go up, and their
  free-choice engagement falls, during the campaign and lastingly after it,
  by a standardized difference in differences of DESIGN_EFFECT against the
  members who did not take part (Deci, Koestner & Ryan 1999: d ≈ −0.28 to
  −0.40 for expected tangible rewards);
- a recognition campaign later (3 weeks: helpful answers are thanked in
  public) after which its members engage on their own a little more;
- monthly amp-pulse-1 survey waves whose subscales move with the behaviour:
  extrinsic reasons up and intrinsic ones down among the points members;
- three beliefs the organization states, with the verdicts the data gives.

The rules are INDICATORS.md's: a free-choice event is an active event
(react, create, contribute) with initiative `self`, not rewarded and not
attributed to a campaign; campaign events take the campaign's defaults
(points: incentivized and rewarded; recognition: prompted, not rewarded).
The impact of the points campaign is computed here exactly as the service
computes it (groups, windows, pooled pre-window SD), and the lasting drop is
calibrated so that the realized effect is DESIGN_EFFECT.
"""
import argparse
import json
import math
import random
import sys
from datetime import date, datetime, time, timedelta, timezone

DESIGN_EFFECT = -0.35
RECOGNITION_LIFT = 0.12		# free-choice rate of its members afterwards
MEMBERS = 2000
DAYS = 180
CHANNELS = ("forum", "chat", "github")
ACTIONS = {
    "forum": {"consume": "read", "react": "like", "create": "post",
              "contribute": "answer"},
    "chat": {"consume": "read", "react": "react", "create": "message",
             "contribute": "help"},
    "github": {"consume": "view", "react": "star", "create": "issue",
               "contribute": "pull_request"},
}
SIGNUPS_PER_WEEK = 120
LEADS_PER_MONTH = 400
MONTH_DAYS = 30.4375
POINTS_WEEKS = 6
RECOGNITION_DAYS = 21
ITEMS = {
    "autonomy": (("aut1", False), ("aut2", False), ("aut3", True)),
    "mastery": (("mas1", False), ("mas2", False), ("mas3", True)),
    "purpose": (("pur1", False), ("pur2", False), ("pur3", True)),
    "intrinsic": (("int1", False), ("int2", False)),
    "identified": (("ide1", False), ("ide2", False)),
    "introjected": (("inj1", False), ("inj2", False)),
    "external": (("ext1", False), ("ext2", False)),
}


def iso(ts):
    return ts.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (ts.microsecond // 1000)


def day_start(d):
    return datetime.combine(d, time(0), tzinfo=timezone.utc)


def parse_now(text):
    if text is None:
        return datetime.now(timezone.utc)
    t = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if t.tzinfo is None:
        t = t.replace(tzinfo=timezone.utc)
    return t.astimezone(timezone.utc)


def poisson(rng, lam):
    """Knuth's method, by pieces so a large rate cannot underflow."""
    n = 0
    while lam > 0:
        step = min(lam, 20.0)
        lam -= step
        limit, p = math.exp(-step), 1.0
        while True:
            p *= rng.random()
            if p <= limit:
                break
            n += 1
    return n


def pick(rng, pairs):
    x = rng.random() * sum(w for _, w in pairs)
    for v, w in pairs:
        x -= w
        if x < 0:
            return v
    return pairs[-1][0]


def dyadic(x):
    """A quality on a 1/16 grid: sums of such numbers are exact in binary
    floating point, so the service's mastery comparisons give the same
    answer whatever order the rollups add them in."""
    return min(16, max(0, round(x * 16))) / 16


class Member:
    def __init__(self, rng, i):
        self.id = "m-%04d" % (i + 1)
        # 55% were there before the history starts; the rest join over it.
        self.joined = -rng.randrange(1, 400) if rng.random() < 0.55 else \
            rng.randrange(0, DAYS - 10)
        # Long tail: lognormal activity, mean about 0.3 events a day.
        self.rate = min(8.0, math.exp(rng.gauss(-1.85, 1.15)))
        w = [rng.random() ** 2 + 0.05 for _ in CHANNELS]
        self.channels = list(zip(CHANNELS, w))
        self.growth = rng.random()			# how far they climb
        self.q0 = rng.uniform(0.2, 0.55)
        self.qgain = rng.uniform(0.0, 0.35)
        self.giving = rng.uniform(0.55, 0.92)
        self.latent = {
            "autonomy": rng.gauss(5.3, 0.8), "mastery": rng.gauss(4.8, 0.9),
            "purpose": rng.gauss(5.0, 0.9), "intrinsic": rng.gauss(5.2, 0.9),
            "identified": rng.gauss(4.9, 0.9),
            "introjected": rng.gauss(3.0, 1.0),
            "external": rng.gauss(2.5, 1.0),
        }
        self.points_from = None		# day they joined the points drive
        self.recognized_from = None

    def tenure(self, d):
        return min(1.0, max(0, d - self.joined) / 120) * self.growth


def kind_mix(g):
    return (("consume", 0.45 - 0.15 * g), ("react", 0.30),
            ("create", 0.15 + 0.07 * g), ("contribute", 0.10 + 0.08 * g))


class Community:
    def __init__(self, seed, now):
        self.seed = seed
        self.rng = random.Random(seed)
        self.today = now.astimezone(timezone.utc).date()
        self.first = self.today - timedelta(days=DAYS)
        # Day numbers count from the first day of the history.
        p_start = DAYS - 119
        p_start -= self.day(p_start).weekday()		# a Monday
        self.p_start, self.p_end = p_start, p_start + 7 * POINTS_WEEKS
        r_start = DAYS - 49
        r_start -= self.day(r_start).weekday()
        self.r_start, self.r_end = r_start, r_start + RECOGNITION_DAYS
        self.dates = [self.day(n).isoformat() for n in range(DAYS)]
        self.members = [Member(self.rng, i) for i in range(MEMBERS)]
        self.events = []
        self.seq = 0

    def day(self, n):
        return self.first + timedelta(days=n)

    def at(self, n, rng):
        """A random instant of day n, as iso() writes it (formatted by
        hand: this runs once per event)."""
        ms = rng.randrange(86400 * 1000)
        return "%sT%02d:%02d:%02d.%03dZ" % (
            self.dates[n], ms // 3600000, ms // 60000 % 60, ms // 1000 % 60,
            ms % 1000)

    # Campaigns, KPIs --------------------------------------------------

    def campaigns(self):
        return {
            "demo-points": {
                "name": "Points drive: earn points for every post, answer and like",
                "incentive": "points", "contingency": "engagement",
                "starts_at": iso(day_start(self.day(self.p_start))),
                "ends_at": iso(day_start(self.day(self.p_end)))},
            "demo-recognition": {
                "name": "Helper of the week: helpful answers thanked in public",
                "incentive": "recognition", "contingency": "performance",
                "starts_at": iso(day_start(self.day(self.r_start))),
                "ends_at": iso(day_start(self.day(self.r_end)))},
        }

    @staticmethod
    def kpis():
        return {
            "signups": {"name": "Sign-ups", "unit": "accounts",
                        "target": SIGNUPS_PER_WEEK, "period": "week"},
            "leads": {"name": "Qualified leads", "unit": "leads",
                      "target": LEADS_PER_MONTH, "period": "month"},
        }

    # Behaviour --------------------------------------------------------

    def enrol(self):
        """Who takes part in each campaign, and from which day. The more
        active a member, the likelier they join the points drive."""
        rng = self.rng
        ranked = sorted(self.members, key=lambda m: m.rate)
        for pos, m in enumerate(ranked):
            if m.joined >= self.p_start - 7:
                continue
            if rng.random() < 0.15 + 0.5 * pos / len(ranked):
                m.points_from = self.p_start + min(13, int(rng.expovariate(1 / 2.5)))
        for m in self.members:
            if m.joined < self.r_start - 7 and rng.random() < 0.25:
                m.recognized_from = self.r_start + min(6, int(rng.expovariate(1 / 2)))

    def event(self, m, n, kind, rng, campaign=None, giving=None, quality_shift=0.0):
        ch = pick(rng, m.channels)
        ev = {"member": m.id, "channel": ch, "action": ACTIONS[ch][kind],
              "kind": kind, "occurred_at": self.at(n, rng)}
        g = m.tenure(n)
        if campaign is None:
            ev["initiative"] = "self" if rng.random() < 0.9 else "prompted"
        else:
            ev["campaign"] = campaign	# the campaign's defaults apply
        if kind in ("create", "contribute"):
            give = m.giving if giving is None else giving
            ev["beneficiary"] = (("others" if rng.random() < 0.6 else "community")
                                 if rng.random() < give else "self")
            ev["quality"] = dyadic(m.q0 + m.qgain * g + quality_shift
                                   + rng.gauss(0, 0.12))
            ev["level"] = min(5, 1 + int(g * 3 + rng.random() * 2))
        elif kind == "react" and rng.random() < 0.2:
            ev["quality"] = dyadic(m.q0 + m.qgain * g + rng.gauss(0, 0.12))
        return ev

    def behave(self):
        """Every member's events, day by day. Organic events carry a
        uniform draw `u`: after the points drive its members keep an
        organic event only when u is above the lasting drop, which
        calibrate() chooses."""
        rng = self.rng
        out = []
        for m in self.members:
            for n in range(max(0, m.joined), DAYS):
                rate = m.rate
                in_points = m.points_from is not None and \
                    m.points_from <= n < self.p_end
                if in_points:
                    rate *= 0.55		# crowded out while it runs
                if m.recognized_from is not None and n >= self.r_end:
                    rate *= 1 + RECOGNITION_LIFT
                for _ in range(poisson(rng, rate)):
                    kind = pick(rng, kind_mix(m.tenure(n)))
                    ev = self.event(m, n, kind, rng)
                    out.append((n, m, rng.random(), ev))
                if in_points:
                    # Points for activity: more of it, shallower, rising
                    # as the leaderboard heats up.
                    week = (n - self.p_start) // 7
                    for _ in range(poisson(rng, m.rate * (1.0 + 0.12 * week))):
                        kind = pick(rng, (("react", 0.5), ("create", 0.32),
                                          ("contribute", 0.18)))
                        ev = self.event(m, n, kind, rng, "demo-points",
                                        giving=0.3, quality_shift=-0.1)
                        out.append((n, m, None, ev))
                if m.recognized_from is not None and \
                        m.recognized_from <= n < self.r_end:
                    for _ in range(poisson(rng, m.rate * 0.3)):
                        ev = self.event(m, n, "contribute", rng,
                                        "demo-recognition", giving=1.0)
                        out.append((n, m, None, ev))
        return out

    # The impact analysis, as the service computes it -------------------

    @staticmethod
    def free_choice(ev):
        return ev["kind"] in ("react", "create", "contribute") and \
            ev.get("initiative") == "self" and "campaign" not in ev

    def tally(self, raw, campaign, s, e):
        """Per member, over `campaign`'s windows (days [s, e) and Lw on
        each side): events attributed to it during it and at all, active
        events before it, free-choice events before it, and after it the
        free-choice events kept whatever the lasting drop plus the `u`
        draws of those that calibrate() may drop."""
        lw = min(e - s, 28)
        per = {}
        for n, m, u, ev in raw:
            if not s - lw <= n < e + lw:
                continue
            r = per.setdefault(m.id, [0, 0, 0, 0, 0, []])
            if ev.get("campaign") == campaign:
                r[1] += 1
                if s <= n < e:
                    r[0] += 1
            if n < s and ev["kind"] in ("react", "create", "contribute"):
                r[2] += 1
            if self.free_choice(ev):
                if n < s:
                    r[3] += 1
                elif n >= e:
                    if u is not None and m.points_from is not None and \
                            n >= self.p_end:
                        r[5].append(u)
                    else:
                        r[4] += 1
        return lw, per

    @staticmethod
    def effect(tallied, drop):
        """INDICATORS.md's standardized difference in differences, the
        points members keeping an organic event after the drive when its
        u >= drop: (effect, exposed members, comparison members)."""
        lw, per = tallied

        def post(r):
            return (r[4] + sum(1 for u in r[5] if u >= drop)) / lw
        t = [(r[3] / lw, post(r)) for r in per.values() if r[0] > 0]
        c = [(r[3] / lw, post(r)) for r in per.values()
             if r[0] == 0 and r[2] > 0 and r[1] == 0]

        def mean(xs):
            return sum(xs) / len(xs)

        def ss(xs):
            mu = mean(xs)
            return sum((x - mu) ** 2 for x in xs)
        did = mean([b - a for a, b in t]) - mean([b - a for a, b in c])
        # The pooled SD of the pre window across the two groups.
        sd = math.sqrt((ss([a for a, _ in t]) + ss([a for a, _ in c]))
                       / (len(t) + len(c) - 2))
        return did / sd, len(t), len(c)

    def calibrate(self, tallied):
        """The lasting drop after the points drive that makes its realized
        standardized effect DESIGN_EFFECT (bisection: the effect falls as
        the drop grows)."""
        lo, hi = 0.0, 0.95
        for _ in range(40):
            mid = (lo + hi) / 2
            if self.effect(tallied, mid)[0] > DESIGN_EFFECT:
                lo = mid
            else:
                hi = mid
        return hi

    # Results ------------------------------------------------------------

    def attainment(self, n):
        """The week's designed attainment of both KPIs: rising slowly, then
        1.10 to 1.35 through the points drive (every week above the last),
        then back under target."""
        if n < self.p_start:
            return 0.80 + 0.12 * n / self.p_start
        if n < self.p_end:
            return 1.10 + 0.05 * ((n - self.p_start) // 7)
        return 0.92 + 0.06 * (n - self.p_end) / (DAYS - self.p_end)

    def results(self):
        rng = self.rng
        out = []
        expected = {"signups": SIGNUPS_PER_WEEK / 7,
                    "leads": LEADS_PER_MONTH / MONTH_DAYS}
        # Week by week (Monday to Sunday) so each week's total is exact.
        n = -self.day(0).weekday()
        while n < DAYS:
            days = [d for d in range(n, n + 7) if 0 <= d < DAYS]
            for metric, per_day in expected.items():
                total = round(per_day * len(days) * self.attainment(days[0]))
                weights = [1 + 0.5 * rng.random() for _ in days]
                shares = [total * w / sum(weights) for w in weights]
                counts = [int(x) for x in shares]
                rest = total - sum(counts)
                order = sorted(range(len(days)),
                               key=lambda i: counts[i] - shares[i])
                for i in order[:rest]:
                    counts[i] += 1
                for d, v in zip(days, counts):
                    out.append({"id": "r-%s-%s" % (metric, self.day(d).isoformat()),
                                "metric": metric, "value": v,
                                "observed_at": iso(day_start(self.day(d))
                                                   + timedelta(hours=18))})
            n += 7
        return out

    # Surveys --------------------------------------------------------------

    def waves(self):
        mid = self.p_start + 21
        return [mid - 60, mid - 30, mid, mid + 30, mid + 60, mid + 90]

    def shifted(self, m, n):
        lat = dict(m.latent)
        if m.points_from is not None and n >= m.points_from:
            during = n < self.p_end
            lat["external"] += 1.6 if during else 1.0
            lat["introjected"] += 0.5 if during else 0.3
            lat["intrinsic"] -= 0.9 if during else 0.6
            lat["identified"] -= 0.3
            lat["autonomy"] -= 0.8 if during else 0.3
        if m.recognized_from is not None and n >= m.recognized_from:
            lat["mastery"] += 0.3
            lat["purpose"] += 0.4
            lat["identified"] += 0.2
        lat["mastery"] += 0.6 * m.tenure(n)
        return lat

    def responses(self, raw):
        rng = self.rng
        active_days = {}
        for n, m, _, _ in raw:
            active_days.setdefault(m.id, set()).add(n)
        out = []
        for w in self.waves():
            if not 0 <= w < DAYS - 5:
                continue
            for m in self.members:
                seen = active_days.get(m.id, ())
                if not any(w - 30 <= d < w for d in seen) or rng.random() >= 0.3:
                    continue
                n = w + rng.randrange(5)
                lat = self.shifted(m, n)
                answers = {}
                for sub, items in ITEMS.items():
                    for item, rev in items:
                        if rng.random() < 0.03:
                            continue		# skipped
                        x = min(7, max(1, round(lat[sub] + rng.gauss(0, 0.6))))
                        answers[item] = 8 - x if rev else x
                out.append({"id": "s-%s-%s" % (m.id, self.day(w).isoformat()),
                            "member": m.id, "instrument": "amp-pulse-1",
                            "submitted_at": self.at(n, rng),
                            "answers": answers})
        return out

    # Beliefs ----------------------------------------------------------------

    @staticmethod
    def beliefs():
        return [
            ({"statement": "The points drive grew lasting engagement: "
              "members take part more on their own since it started.",
              "indicator": "free_choice_rate", "campaign": "demo-points",
              "expect": "increase", "window_days": 28}, "contradicted"),
            ({"statement": "The points drive lifted our results.",
              "indicator": "results", "campaign": "demo-points",
              "expect": "increase", "window_days": 28}, "supported"),
            ({"statement": "Thanking helpers in public made members give "
              "more of their work to others.",
              "indicator": "purpose", "campaign": "demo-recognition",
              "expect": "increase", "window_days": 21}, "supported"),
        ]

    # All of it ---------------------------------------------------------------

    def build(self):
        self.enrol()
        raw = self.behave()
        drop = self.calibrate(self.tally(raw, "demo-points", self.p_start,
                                         self.p_end))
        kept = [(n, m, u, ev) for n, m, u, ev in raw
                if u is None or m.points_from is None or n < self.p_end
                or u >= drop]
        effect, nt, nc = self.effect(self.tally(
            kept, "demo-points", self.p_start, self.p_end), 0)
        rec, rt, rc = self.effect(self.tally(
            kept, "demo-recognition", self.r_start, self.r_end), 0)
        kept.sort(key=lambda x: (x[3]["occurred_at"], x[3]["member"]))
        events = []
        for i, (_, _, _, ev) in enumerate(kept):
            events.append(dict(id="d%06d" % i, **ev))
        weeks = [iso(day_start(self.day(self.p_start + 7 * k)))
                 for k in range(POINTS_WEEKS)]
        return {
            "seed": self.seed,
            "today": self.today.isoformat(),
            "history": {"from": iso(day_start(self.day(0))),
                        "to": iso(day_start(self.day(DAYS)))},
            "campaigns": self.campaigns(),
            "kpis": self.kpis(),
            "events": events,
            "results": self.results(),
            "responses": self.responses(kept),
            "beliefs": [b for b, _ in self.beliefs()],
            "expected": {
                "points_weeks": weeks,
                "points_effect": effect,
                "points_exposed": nt, "points_comparison": nc,
                "points_lasting_drop": drop,
                "recognition_effect": rec,
                "recognition_exposed": rt, "recognition_comparison": rc,
                "design_effect": DESIGN_EFFECT,
                "verdicts": {b["statement"]: v for b, v in self.beliefs()},
                "survey_waves": [iso(day_start(self.day(w)))
                                 for w in self.waves()],
            },
        }


def generate(seed=16, now=None):
    """The demo community for `seed` as of `now` (a datetime; default the
    real now): campaigns, KPIs, events, results, survey responses, beliefs,
    and under "expected" what it was built to show."""
    return Community(seed, now or datetime.now(timezone.utc)).build()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=16)
    ap.add_argument("--now", help="RFC 3339; default the real now")
    ap.add_argument("--summary", action="store_true",
                    help="print only counts and what it was built to show")
    a = ap.parse_args()
    c = generate(a.seed, parse_now(a.now))
    if a.summary:
        doc = {k: len(v) for k, v in c.items()
               if k in ("events", "results", "responses", "beliefs")}
        doc["expected"] = c["expected"]
        json.dump(doc, sys.stdout, indent=1)
    else:
        json.dump(c, sys.stdout, separators=(",", ":"), sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
