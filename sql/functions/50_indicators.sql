-- Indicators: the data each indicator formula needs, read from the
-- rollups by index key; the formulas themselves live in src/core
-- (indicators.c).

-- PL/pgSQL, not SQL: Citus runs no SQL function that reads a distributed
-- table.
CREATE OR REPLACE FUNCTION amp.unknown_campaign_filter(p_org text,
    p_campaign text) RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
BEGIN
	IF p_campaign IS NULL THEN
		RETURN false;
	END IF;
	-- One table, no subquery: Citus' fast path (amp.windows_data).
	PERFORM FROM amp.campaigns c
	WHERE c.org_id = p_org AND c.id = p_campaign;
	RETURN NOT FOUND;
END
$$;

-- Everything the indicator formulas need for each window [p_from[i],
-- p_to[i]) of the org's local days (zone p_zone): counts from day_stats,
-- the mastery tallies from the events, and each KPI's observations:
-- a JSON array with one document per window, in order. Every indicator
-- read is one call: a single window, a series' buckets, a belief's days.
--
-- Mastery groups a window's events by member, which at 10^5 members is
-- some 10^6 rows. What it gives is kept (amp.mastery_memo, described in
-- sql/migrations/009_mastery_memo.sql) with the stamp of the data it came
-- from, and taken again while the stamp is unchanged. The answer, stamps
-- and kept tallies are read in one statement, so one snapshot: the
-- answer is exact at the instant of that snapshot.
--
-- Each tenant table is read by one of the amp.read_* functions below: one
-- statement on one table, filtered by org_id = p_org. They are STABLE, so
-- they see the snapshot of the statement calling them. On Citus that
-- shape is its "fast path": the plan is kept between calls, where any
-- other statement is planned twice (Citus, then the shard's) on every
-- call, which cost 2.5 ms of a 1.6 ms read.

-- The org's rollup generation (advanced by erasure and re-derivation).
CREATE OR REPLACE FUNCTION amp.read_generation(p_org text) RETURNS bigint
LANGUAGE plpgsql STABLE AS $$
DECLARE
	g bigint;
BEGIN
	SELECT coalesce(max(r.gen), 0) INTO g
	FROM amp.rollup_generation r WHERE r.org_id = p_org;
	RETURN g;
END
$$;

-- The day_stats of local days [p_lo, p_hi) added up per day: k = true for
-- the rows of the channel and campaign filters (NULL: any), k = false for
-- the others (which count in a window's stamp only).
CREATE OR REPLACE FUNCTION amp.read_days(p_org text, p_lo date, p_hi date,
    p_channel text, p_campaign text)
RETURNS TABLE (day date, k boolean, events bigint, active bigint,
    active_self bigint, active_pressure bigint, contrib bigint,
    contrib_giving bigint, free_choice bigint)
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN QUERY
	SELECT d.day, (p_channel IS NULL OR d.channel = p_channel)
		AND (p_campaign IS NULL OR d.campaign = p_campaign),
	    sum(d.events)::bigint, sum(d.active)::bigint,
	    sum(d.active_self)::bigint, sum(d.active_pressure)::bigint,
	    sum(d.contrib)::bigint, sum(d.contrib_giving)::bigint,
	    sum(d.free_choice)::bigint
	FROM amp.day_stats d
	WHERE d.org_id = p_org AND d.day >= p_lo AND d.day < p_hi
	GROUP BY 1, 2;
END
$$;

-- The mastery kept for windows starting in [p_lo, p_hi).
CREATE OR REPLACE FUNCTION amp.read_memos(p_org text, p_zone text,
    p_lo date, p_hi date, p_channel text, p_campaign text)
RETURNS TABLE (day_from date, day_to date, stamp text, doc jsonb,
    snap pg_snapshot, followed boolean, complete boolean,
    made_at timestamptz)
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN QUERY
	SELECT k.day_from, k.day_to, k.stamp, k.doc, k.snap, k.followed,
	    k.complete, k.made_at
	FROM amp.mastery_memo k
	WHERE k.org_id = p_org AND k.zone = p_zone AND k.day_from >= p_lo
	    AND k.day_from < p_hi AND k.channel = coalesce(p_channel, '')
	    AND k.campaign = coalesce(p_campaign, '');
END
$$;

-- How many windows the org follows (sql/migrations/016_followed_windows.sql).
CREATE OR REPLACE FUNCTION amp.read_followed(p_org text) RETURNS bigint
LANGUAGE plpgsql STABLE AS $$
DECLARE
	n bigint;
BEGIN
	SELECT count(*) INTO n FROM amp.mastery_memo k
	WHERE k.org_id = p_org AND k.followed;
	RETURN n;
END
$$;

CREATE OR REPLACE FUNCTION amp.read_kpis(p_org text)
RETURNS TABLE (metric text, name text, unit text, target float8,
    period text, direction text)
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN QUERY
	SELECT k.metric, k.name, k.unit, k.target, k.period, k.direction
	FROM amp.kpis k WHERE k.org_id = p_org;
END
$$;

-- KPI observations of local days [p_lo, p_hi) added up per metric and day.
CREATE OR REPLACE FUNCTION amp.read_results(p_org text, p_lo date,
    p_hi date, p_zone text)
RETURNS TABLE (metric text, day date, actual float8, n bigint)
LANGUAGE plpgsql STABLE AS $$
DECLARE
	s timestamptz := amp.day_start(p_lo, p_zone);
	e timestamptz := amp.day_start(p_hi, p_zone);
BEGIN
	RETURN QUERY
	SELECT x.metric, amp.day_floor(x.observed_at, p_zone), sum(x.value),
	    count(*)
	FROM amp.results x
	WHERE x.org_id = p_org AND x.observed_at >= s AND x.observed_at < e
	GROUP BY 1, 2;
END
$$;

-- A member's part in a window's mastery, from its tallies (amp.tally: per
-- half, events e, signalled events n, their signals' sum s, deepest kind
-- d): whether it counts among the quality members, whose signal improved,
-- the ladder members and those who climbed, each 0 or 1. "More than
-- 0.05" with a 1e-9 allowance: signal sums are float sums taken in no
-- fixed order, and a growth of exactly 0.05 (levels 3,3,3,3,4 after
-- 3,3,3,3,3) must not count because 0.55 - 0.5 comes out as
-- 0.05000000000000004. Plain arguments and one expression each, so that
-- they are inlined: bringing a window up to date applies them to some
-- thousands of members before and after (a composite and an array per
-- member cost twice as much). CASE, so that no half without signals is
-- divided by.
CREATE OR REPLACE FUNCTION amp.quality_member(n1 int, n2 int) RETURNS int
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT CASE WHEN n1 >= 2 AND n2 >= 2 THEN 1 ELSE 0 END
$$;

CREATE OR REPLACE FUNCTION amp.quality_improved(n1 int, n2 int,
    s1 float8, s2 float8) RETURNS int
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT CASE WHEN n1 < 2 OR n2 < 2 THEN 0
	    WHEN s2 / n2 - s1 / n1 > 0.05 + 1e-9 THEN 1 ELSE 0 END
$$;

CREATE OR REPLACE FUNCTION amp.ladder_member(e1 int, e2 int) RETURNS int
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT CASE WHEN e1 >= 1 AND e2 >= 1 THEN 1 ELSE 0 END
$$;

CREATE OR REPLACE FUNCTION amp.ladder_climbed(e1 int, e2 int, d1 int,
    d2 int) RETURNS int
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT CASE WHEN e1 < 1 OR e2 < 1 THEN 0
	    WHEN d2 > d1 THEN 1 ELSE 0 END
$$;

-- The four of them as the bits of one number (1 quality member, 2
-- improved, 4 ladder member, 8 climbed), from a member's tallies.
CREATE OR REPLACE FUNCTION amp.mastery_bits(e1 int, e2 int, n1 int, n2 int,
    s1 float8, s2 float8, d1 int, d2 int) RETURNS int
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT amp.quality_member(n1, n2)
	    + 2 * amp.quality_improved(n1, n2, s1, s2)
	    + 4 * amp.ladder_member(e1, e2)
	    + 8 * amp.ladder_climbed(e1, e2, d1, d2)
$$;

-- A window's kept mastery (NULL: none) plus what changed, each count by
-- the change of members with that bit (amp.mastery_bits): one definition
-- for reads that bring a window up to date, ingestion that folds into a
-- followed one and erasure that takes a member out. Immutable: Citus
-- calls no other function of a column in a statement that writes.
CREATE OR REPLACE FUNCTION amp.mastery_plus(p_doc jsonb, q bigint,
    i bigint, l bigint, c bigint) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT jsonb_build_object(
	    'quality_members', coalesce((p_doc->>'quality_members')::int, 0)
		+ coalesce(q, 0),
	    'quality_improved', coalesce((p_doc->>'quality_improved')::int, 0)
		+ coalesce(i, 0),
	    'ladder_members', coalesce((p_doc->>'ladder_members')::int, 0)
		+ coalesce(l, 0),
	    'ladder_climbed', coalesce((p_doc->>'ladder_climbed')::int, 0)
		+ coalesce(c, 0))
$$;

-- Per member, the tallies of a window's events (local days from s to e,
-- halves split at m, the filters): "now" of every event, and "seen" of
-- those snapshot p_since saw. p_fresh: only the events p_since did not
-- see (found by xact: events since, migration 012). p_members: only
-- theirs (by the member index). Custom plans: each use has its index.
CREATE OR REPLACE FUNCTION amp.read_tallies(p_org text, p_s timestamptz,
    p_m timestamptz, p_e timestamptz, p_channel text, p_campaign text,
    p_since pg_snapshot, p_fresh boolean, p_members text[])
RETURNS TABLE (seen amp.tally, now amp.tally)
LANGUAGE plpgsql STABLE SET plan_cache_mode = force_custom_plan AS $$
BEGIN
	RETURN QUERY
	SELECT ROW(x.member,
	    count(*) FILTER (WHERE x.h1 AND x.seen),
	    count(*) FILTER (WHERE NOT x.h1 AND x.seen),
	    count(x.sig) FILTER (WHERE x.h1 AND x.seen),
	    count(x.sig) FILTER (WHERE NOT x.h1 AND x.seen),
	    coalesce(sum(x.sig) FILTER (WHERE x.h1 AND x.seen), 0),
	    coalesce(sum(x.sig) FILTER (WHERE NOT x.h1 AND x.seen), 0),
	    max(x.depth) FILTER (WHERE x.h1 AND x.seen),
	    max(x.depth) FILTER (WHERE NOT x.h1 AND x.seen))::amp.tally,
	    ROW(x.member,
	    count(*) FILTER (WHERE x.h1),
	    count(*) FILTER (WHERE NOT x.h1),
	    count(x.sig) FILTER (WHERE x.h1),
	    count(x.sig) FILTER (WHERE NOT x.h1),
	    coalesce(sum(x.sig) FILTER (WHERE x.h1), 0),
	    coalesce(sum(x.sig) FILTER (WHERE NOT x.h1), 0),
	    max(x.depth) FILTER (WHERE x.h1),
	    max(x.depth) FILTER (WHERE NOT x.h1))::amp.tally
	FROM (SELECT y.member, y.occurred_at < p_m AS h1,
		amp.signal(y.quality, y.level) AS sig,
		amp.depth(y.kind) AS depth,
		p_since IS NOT NULL AND NOT p_fresh AND (y.xact IS NULL
		    OR pg_visible_in_snapshot(y.xact::text::xid8, p_since))
		    AS seen
	    FROM amp.events y
	    WHERE y.org_id = p_org AND y.occurred_at >= p_s
		AND y.occurred_at < p_e
		AND (p_channel IS NULL OR y.channel = p_channel)
		AND (p_campaign IS NULL OR y.campaign = p_campaign)
		AND (NOT p_fresh OR (y.xact
		    >= pg_snapshot_xmin(p_since)::text::bigint
		    AND NOT pg_visible_in_snapshot(y.xact::text::xid8,
			p_since)))
		AND (p_members IS NULL OR y.member = ANY (p_members))) x
	GROUP BY x.member;
END
$$;

-- A window's members kept with its mastery (amp.mastery_members).
CREATE OR REPLACE FUNCTION amp.read_kept_members(p_org text, p_zone text,
    p_from date, p_to date, p_channel text, p_campaign text,
    p_members text[])
RETURNS SETOF amp.tally
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN QUERY
	SELECT (k.t).*
	FROM amp.mastery_members k
	WHERE k.org_id = p_org AND k.zone = p_zone AND k.day_from = p_from
	    AND k.day_to = p_to AND k.channel = coalesce(p_channel, '')
	    AND k.campaign = coalesce(p_campaign, '')
	    AND k.member = ANY (p_members);
END
$$;

-- The mastery of p_count windows of p_span local days (zone p_zone) that
-- start a day apart, the first at p_first, counted from their events in
-- one pass (the days of a belief, amp.belief_data: 56 windows of 14 days
-- read each event once instead of 14 times). A member's tallies in
-- window k (starting p_first + k) change only where one of its active
-- days x enters the later half (k = x - p_span + 1), moves to the earlier
-- one (k = x - half + 1) or leaves (k = x + 1): its tallies are counted
-- at those windows only, from its days' tallies, and hold until its next
-- one. The four counts of each window are the running sums of what the
-- members' changes add and take. Exact as amp.read_tallies and
-- amp.mastery_bits count a window alone.
CREATE OR REPLACE FUNCTION amp.sliding_mastery(p_org text, p_first date,
    p_count int, p_span int, p_zone text, p_channel text, p_campaign text)
RETURNS TABLE (day_from date, day_to date, doc jsonb)
LANGUAGE plpgsql STABLE SET plan_cache_mode = force_custom_plan AS $$
DECLARE
	half int := p_span / 2;
BEGIN
	RETURN QUERY
	WITH md AS MATERIALIZED (
		-- Each member's tallies per active day (x: days after p_first).
		SELECT y.member, amp.day_floor(y.occurred_at, p_zone) - p_first
			AS x,
		    count(*)::int AS e,
		    count(amp.signal(y.quality, y.level))::int AS n,
		    coalesce(sum(amp.signal(y.quality, y.level)), 0) AS s,
		    max(amp.depth(y.kind)) AS d
		FROM amp.events y
		WHERE y.org_id = p_org
		    AND y.occurred_at >= amp.day_start(p_first, p_zone)
		    AND y.occurred_at < amp.day_start(p_first + p_count - 1
			+ p_span, p_zone)
		    AND (p_channel IS NULL OR y.channel = p_channel)
		    AND (p_campaign IS NULL OR y.campaign = p_campaign)
		GROUP BY 1, 2
	), cp AS (
		-- Where a member's tallies change.
		SELECT DISTINCT m.member, c.k
		FROM md m, LATERAL (VALUES (greatest(0, m.x - p_span + 1)),
		    (greatest(0, m.x - half + 1)), (m.x + 1)) c(k)
		WHERE c.k < p_count
	), st AS (
		-- Each member's tallies at its changes, over its days of each
		-- half (frames of its days and changes in day order).
		SELECT v.member, v.k, v.b
		FROM (SELECT u.member, u.x AS k, u.cp, amp.mastery_bits(
			coalesce(sum(u.e) OVER h1, 0)::int,
			coalesce(sum(u.e) OVER h2, 0)::int,
			coalesce(sum(u.n) OVER h1, 0)::int,
			coalesce(sum(u.n) OVER h2, 0)::int,
			coalesce(sum(u.s) OVER h1, 0),
			coalesce(sum(u.s) OVER h2, 0),
			max(u.d) OVER h1, max(u.d) OVER h2) AS b
		    FROM (SELECT m.member, m.x, m.e, m.n, m.s, m.d, false AS cp
			FROM md m
			UNION ALL
			SELECT c.member, c.k, NULL, NULL, NULL, NULL, true
			FROM cp c) u
		    WINDOW h1 AS (PARTITION BY u.member ORDER BY u.x
			RANGE BETWEEN CURRENT ROW AND half - 1 FOLLOWING),
			h2 AS (PARTITION BY u.member ORDER BY u.x
			RANGE BETWEEN half FOLLOWING AND p_span - 1 FOLLOWING)) v
		WHERE v.cp
	), seg AS (
		SELECT s.k, coalesce(lead(s.k) OVER (PARTITION BY s.member
			ORDER BY s.k), p_count) AS k2, s.b
		FROM st s
	), delta AS (
		SELECT z.k, sum(z.q) AS q, sum(z.i) AS i, sum(z.l) AS l,
		    sum(z.c) AS c
		FROM (SELECT g.k, g.sign * (g.b & 1) AS q,
			g.sign * (g.b >> 1 & 1) AS i, g.sign * (g.b >> 2 & 1) AS l,
			g.sign * (g.b >> 3 & 1) AS c
		    FROM (SELECT seg.k, 1 AS sign, seg.b FROM seg
			UNION ALL
			SELECT seg.k2, -1, seg.b FROM seg
			WHERE seg.k2 < p_count) g) z
		GROUP BY z.k
	)
	SELECT p_first + w.k, p_first + w.k + p_span,
	    jsonb_build_object(
		'quality_members', coalesce(sum(dl.q) OVER o, 0)::int,
		'quality_improved', coalesce(sum(dl.i) OVER o, 0)::int,
		'ladder_members', coalesce(sum(dl.l) OVER o, 0)::int,
		'ladder_climbed', coalesce(sum(dl.c) OVER o, 0)::int)
	FROM generate_series(0, p_count - 1) w(k)
	LEFT JOIN delta dl ON dl.k = w.k
	WINDOW o AS (ORDER BY w.k)
	ORDER BY w.k;
END
$$;

-- The mastery of windows [p_from[i], p_to[i]) of local days (zone
-- p_zone), one window after another, each with the snapshot it is exact
-- in (the caller's: the function is STABLE) and the tallies of the
-- members it counted (to keep; none when it counted every member of a
-- window of more than 20 000, or a run of windows a day apart together:
-- amp.sliding_mastery).
--
-- A window with a base (p_base[i], kept in snapshot p_snap[i], of the
-- current rollup generation, so no event of it has gone since) is brought
-- up to date: each member with an event the base's snapshot did not see
-- counts again, by its kept tallies plus those of its events since, or,
-- with none kept, from its events; the difference goes to the base. A
-- window without a base counts every member.
--
-- With a budget (ms), it stops before a window (or a run) once the
-- statement has run that long, having done at least one in the statement
-- (the setting amp.mastery_done, for its transaction, the service's
-- statement): the caller keeps what was done and is asked again.
CREATE OR REPLACE FUNCTION amp.read_mastery(p_org text, p_from date[],
    p_to date[], p_base jsonb[], p_snap pg_snapshot[], p_zone text,
    p_channel text, p_campaign text, p_budget_ms int)
RETURNS TABLE (day_from date, day_to date, doc jsonb, snap pg_snapshot,
    members amp.tally[])
LANGUAGE plpgsql STABLE AS $$
DECLARE
	i int := 1;
	j int;
	f date;
	t date;
	s timestamptz;
	m timestamptz;
	e timestamptz;
	since pg_snapshot;
	d int[];
	fresh amp.tally[];
	kept amp.tally[];
BEGIN
	IF p_budget_ms < 0 THEN
		RETURN;		-- amp.windows_data's first look: nothing computed
	END IF;
	WHILE i <= coalesce(cardinality(p_from), 0) LOOP
		-- At least one window per statement, not per call: a page of
		-- beliefs calls once per belief, and one window each could
		-- outlast the request's deadline, every time (no progress).
		IF current_setting('amp.mastery_done', true) = 'on'
		    AND p_budget_ms IS NOT NULL AND clock_timestamp()
		    - statement_timestamp() > p_budget_ms * interval '1 ms' THEN
			RETURN;
		END IF;
		PERFORM set_config('amp.mastery_done', 'on', true);
		f := p_from[i];
		t := p_to[i];
		-- Windows of one length a day apart, none with a base (a
		-- belief's days), are counted together, up to one more than
		-- their length at once: what two windows alone would cost.
		j := i;
		WHILE p_base[i] IS NULL AND j < cardinality(p_from)
		    AND j - i < t - f AND p_base[j + 1] IS NULL
		    AND p_from[j + 1] = p_from[j] + 1
		    AND p_to[j + 1] - p_from[j + 1] = t - f LOOP
			j := j + 1;
		END LOOP;
		IF j > i THEN
			RETURN QUERY SELECT x.day_from, x.day_to, x.doc,
			    pg_current_snapshot(), NULL::amp.tally[]
			FROM amp.sliding_mastery(p_org, f, j - i + 1, t - f,
			    p_zone, p_channel, p_campaign) x;
			i := j + 1;
			CONTINUE;
		END IF;
		since := CASE WHEN p_base[i] IS NOT NULL THEN p_snap[i] END;
		-- The halves split at local day from + floor(days / 2).
		s := amp.day_start(f, p_zone);
		m := amp.day_start(f + (t - f) / 2, p_zone);
		e := amp.day_start(t, p_zone);
		IF since IS NULL THEN
			SELECT ARRAY[sum(x.b & 1), sum(x.b >> 1 & 1),
			    sum(x.b >> 2 & 1), sum(x.b >> 3 & 1)],
			    CASE WHEN count(*) <= 20000
				THEN coalesce(array_agg(x.now), '{}') END
			INTO d, members
			FROM (SELECT r.now, amp.mastery_bits((r.now).e1,
				(r.now).e2, (r.now).n1, (r.now).n2, (r.now).s1,
				(r.now).s2, (r.now).d1, (r.now).d2) AS b
			    FROM amp.read_tallies(p_org, s, m, e, p_channel,
				p_campaign, NULL, false, NULL) r) x;
		ELSE
			-- One statement each: one table and one obvious
			-- index each, whatever the org's statistics say.
			fresh := ARRAY(SELECT r.now FROM amp.read_tallies(p_org,
			    s, m, e, p_channel, p_campaign, since, true, NULL) r);
			kept := ARRAY(SELECT k FROM amp.read_kept_members(p_org,
			    p_zone, f, t, p_channel, p_campaign,
			    ARRAY(SELECT (x).member FROM unnest(fresh) x)) k);
			-- Each touched member's tallies before (k) and now:
			-- those kept plus those of its events since (tallies
			-- only grow while the rollup generation holds), or
			-- counted from its events. Plain columns: see
			-- amp.quality_member.
			WITH before_now AS (
				SELECT x.member, k.e1 AS ke1, k.e2 AS ke2,
				    k.n1 AS kn1, k.n2 AS kn2, k.s1 AS ks1,
				    k.s2 AS ks2, k.d1 AS kd1, k.d2 AS kd2,
				    k.e1 + x.e1 AS e1, k.e2 + x.e2 AS e2,
				    k.n1 + x.n1 AS n1, k.n2 + x.n2 AS n2,
				    k.s1 + x.s1 AS s1, k.s2 + x.s2 AS s2,
				    greatest(k.d1, x.d1) AS d1,
				    greatest(k.d2, x.d2) AS d2
				FROM unnest(fresh) x
				JOIN unnest(kept) k ON k.member = x.member
				UNION ALL
				SELECT (r.now).member, (r.seen).e1, (r.seen).e2,
				    (r.seen).n1, (r.seen).n2, (r.seen).s1,
				    (r.seen).s2, (r.seen).d1, (r.seen).d2,
				    (r.now).e1, (r.now).e2, (r.now).n1,
				    (r.now).n2, (r.now).s1, (r.now).s2,
				    (r.now).d1, (r.now).d2
				FROM amp.read_tallies(p_org, s, m, e, p_channel,
				    p_campaign, since, false, ARRAY(
					SELECT (x).member FROM unnest(fresh) x
					EXCEPT
					SELECT (k).member FROM unnest(kept) k)) r
				WHERE cardinality(fresh) > cardinality(kept)
			)
			SELECT ARRAY[
			    sum(amp.quality_member(b.n1, b.n2)
				- amp.quality_member(b.kn1, b.kn2)),
			    sum(amp.quality_improved(b.n1, b.n2, b.s1, b.s2)
				- amp.quality_improved(b.kn1, b.kn2, b.ks1,
				    b.ks2)),
			    sum(amp.ladder_member(b.e1, b.e2)
				- amp.ladder_member(b.ke1, b.ke2)),
			    sum(amp.ladder_climbed(b.e1, b.e2, b.d1, b.d2)
				- amp.ladder_climbed(b.ke1, b.ke2, b.kd1,
				    b.kd2))],
			    coalesce(array_agg(ROW(b.member, b.e1, b.e2, b.n1,
				b.n2, b.s1, b.s2, b.d1, b.d2)::amp.tally), '{}')
			INTO d, members
			FROM before_now b;
		END IF;
		day_from := f;
		day_to := t;
		-- A whole count from nothing, else the base plus the change.
		doc := amp.mastery_plus(CASE WHEN since IS NOT NULL
		    THEN p_base[i] END, d[1], d[2], d[3], d[4]);
		snap := pg_current_snapshot();
		RETURN NEXT;
		i := i + 1;
	END LOOP;
END
$$;

-- A window's key: immutable (Citus calls no other function of a column
-- in a statement that writes), unlike a date's text, which depends on the
-- session's DateStyle.
CREATE OR REPLACE FUNCTION amp.window_key(p_from date, p_to date)
RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT (p_from - date '1970-01-01')::bigint * 65536 + (p_to - p_from)
$$;

-- Locks the kept rows of the windows [p_from[i], p_to[i]) in key order
-- (concurrent readers cannot deadlock) and answers the key and snapshot
-- of each, as they are once locked.
CREATE OR REPLACE FUNCTION amp.lock_memos(p_org text, p_zone text,
    p_channel text, p_campaign text, p_from date[], p_to date[])
RETURNS TABLE (k bigint, snap text)
LANGUAGE plpgsql AS $$
BEGIN
	RETURN QUERY
	SELECT x.k, x.snap FROM (
		SELECT amp.window_key(o.day_from, o.day_to) AS k,
		    o.snap::text AS snap
		FROM amp.mastery_memo o
		WHERE o.org_id = p_org AND o.zone = p_zone
		    AND o.day_from = ANY (p_from)
		    AND o.channel = coalesce(p_channel, '')
		    AND o.campaign = coalesce(p_campaign, '')
		    AND amp.window_key(o.day_from, o.day_to) = ANY (ARRAY(
			SELECT amp.window_key(w.f, w.t)
			FROM unnest(p_from, p_to) w(f, t)))
		ORDER BY o.day_from, o.day_to
		FOR UPDATE) x;
END
$$;

-- Keeps what amp.windows_data computed (p_fresh: per window its bounds,
-- stamp, mastery, snapshot, the snapshot of the base it was brought up to
-- date from, whether its kept tallies hold every member of it and whether
-- ingestion is to follow it from now on; p_tallies: the tallies of the
-- members it counted). The
-- kept rows are locked in key order first (concurrent readers cannot
-- deadlock), then written: a window counted whole replaces what was kept
-- (its members' rows go, then those it counted are kept); one brought up
-- to date is written only over the base it started from, else another
-- reader has moved it on since and its rows are not ours to change (the
-- caller locks the kept rows before it computes, but a window first kept
-- by another reader between that lock and its snapshot is not among
-- them). A window's rows always hold for its snapshot. What was not asked for
-- again in a day goes (in 30 days without members' tallies); rows another
-- transaction holds are left for the next time (waiting for them could
-- deadlock with its own keeping).
CREATE OR REPLACE FUNCTION amp.keep_mastery(p_org text, p_zone text,
    p_channel text, p_campaign text, p_fresh jsonb,
    p_tallies amp.mastery_members[])
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	ch text := coalesce(p_channel, '');
	ca text := coalesce(p_campaign, '');
	-- The windows counted whole, those to write.
	whole bigint[] := ARRAY(SELECT amp.window_key((x->>'f')::date,
	    (x->>'t')::date) FROM jsonb_array_elements(p_fresh) x
	    WHERE x->>'base' IS NULL);
	ok bigint[];
BEGIN
	WITH held AS MATERIALIZED (
		SELECT * FROM amp.lock_memos(p_org, p_zone, p_channel,
		    p_campaign, ARRAY(SELECT (x->>'f')::date
			FROM jsonb_array_elements(p_fresh) x),
		    ARRAY(SELECT (x->>'t')::date
			FROM jsonb_array_elements(p_fresh) x))
	)
	SELECT array_agg(w.k) INTO ok
	FROM (SELECT amp.window_key((x->>'f')::date, (x->>'t')::date) AS k,
		x->>'base' AS base FROM jsonb_array_elements(p_fresh) x) w
	WHERE w.base IS NULL OR EXISTS (SELECT 1 FROM held h
	    WHERE h.k = w.k AND h.snap = w.base);
	IF ok IS NULL THEN
		RETURN;
	END IF;
	INSERT INTO amp.mastery_memo AS o (org_id, zone, day_from, day_to,
	    channel, campaign, stamp, doc, snap, followed, complete)
	SELECT p_org, p_zone, (x->>'f')::date, (x->>'t')::date, ch, ca,
	    x->>'stamp', x->'doc', (x->>'snap')::pg_snapshot,
	    -- Only a window whose tallies hold all its members.
	    (x->>'follow')::boolean AND (x->>'complete')::boolean,
	    (x->>'complete')::boolean
	FROM jsonb_array_elements(p_fresh) x
	WHERE amp.window_key((x->>'f')::date, (x->>'t')::date) = ANY (ok)
	ORDER BY 3, 4
	ON CONFLICT (org_id, zone, day_from, day_to, channel, campaign)
	DO UPDATE SET stamp = excluded.stamp, doc = excluded.doc,
	    snap = excluded.snap, made_at = excluded.made_at,
	    followed = excluded.followed, complete = excluded.complete;
	IF whole <> '{}' THEN
		-- By the key's leading days, so by index.
		DELETE FROM amp.mastery_members k
		WHERE k.org_id = p_org AND k.zone = p_zone
		    AND k.day_from = ANY (ARRAY(SELECT (x->>'f')::date
			FROM jsonb_array_elements(p_fresh) x))
		    AND k.channel = ch AND k.campaign = ca
		    AND amp.window_key(k.day_from, k.day_to) = ANY (whole);
	END IF;
	INSERT INTO amp.mastery_members AS k
	SELECT y.* FROM unnest(p_tallies) y
	WHERE amp.window_key(y.day_from, y.day_to) = ANY (ok)
	ORDER BY y.day_from, y.day_to, y.member
	ON CONFLICT (org_id, zone, day_from, day_to, channel, campaign, member)
	DO UPDATE SET t = excluded.t;
	-- A window with members' tallies kept (up to 20 000 rows) goes after
	-- a day; one without (a belief's days, a window of more than 20 000
	-- members: a row each, and minutes to count again at 10^7 events for
	-- a page of beliefs) after 30 days, so a page read once a week is not
	-- counted again each time.
	DELETE FROM amp.mastery_memo o
	WHERE o.org_id = p_org AND (o.zone, o.day_from, o.day_to,
	    o.channel, o.campaign) IN (SELECT k.zone, k.day_from,
		k.day_to, k.channel, k.campaign FROM amp.mastery_memo k
		WHERE k.org_id = p_org
		    AND k.made_at < now() - interval '1 day'
		    AND (k.made_at < now() - interval '30 days'
			OR EXISTS (SELECT 1 FROM amp.mastery_members m
			    WHERE m.org_id = p_org AND m.zone = k.zone
				AND m.day_from = k.day_from
				AND m.day_to = k.day_to
				AND m.channel = k.channel
				AND m.campaign = k.campaign))
		FOR UPDATE SKIP LOCKED);
END
$$;

-- Mastery groups by member in memory, not spilled, for some 10^5 members.
-- No JIT: the planner prices every window's events, though a window
-- kept or of one day reads none, and at 10^7 events compiling the plan
-- took 650 ms of a daily series that runs in 15.
--
-- p_budget_ms: see amp.read_mastery. When it stopped short, what it
-- computed is kept and the answer is NULL: ask again.
--
-- A first look computes nothing. When a window's kept mastery does not
-- hold, the kept rows of those windows are locked (key order) and the
-- statement is run again, in a snapshot taken after the lock: readers of
-- a window that ingestion keeps changing bring it up to date one after
-- the other, each from where the last left it, instead of each from the
-- same old base at once (the work of all but one of them lost, on a CPU
-- ingestion needs).
--
-- p_follow (a dashboard's windows: the indicators and their series): when
-- every window to compute has kept tallies of all its members to bring up
-- to date, by at most 50 000 events in all, they are brought up to date
-- with the org's ZONE lock held exclusively, taken before the kept rows,
-- so no batch is being stored meanwhile, and followed from then on:
-- ingestion keeps them up to date (amp.fold_followed) and reads take
-- them as kept. An org follows FOLLOW_MAX (64) windows at most;
-- a followed window not asked for in half an hour goes.
CREATE OR REPLACE FUNCTION amp.windows_data(p_org text, p_from date[],
    p_to date[], p_channel text, p_campaign text, p_zone text,
    p_budget_ms int DEFAULT NULL, p_follow boolean DEFAULT false)
RETURNS jsonb
LANGUAGE plpgsql SET work_mem = '64MB' SET jit = off AS $$
DECLARE
	lo date;
	hi date;
	answer jsonb;
	fresh jsonb;
	tallies amp.mastery_members[];
	short bigint;
	todo_f date[];
	todo_t date[];
	promote boolean := false;
	candidate boolean;
	touch bigint[];
BEGIN
	SELECT min(f), max(t) INTO lo, hi FROM unnest(p_from, p_to) w(f, t);
	FOR pass IN 1 .. 2 LOOP
	WITH gen AS (
		SELECT amp.read_generation(p_org) AS gen
	), win AS (
		SELECT w.f, w.t, w.i FROM unnest(p_from, p_to)
		    WITH ORDINALITY AS w(f, t, i)
	), win_days AS (
		-- Every local day of every window: windows meet the days'
		-- rows by equality.
		SELECT win.i, win.f + n AS day
		FROM win, generate_series(0, win.t - win.f - 1) n
	), days AS MATERIALIZED (
		SELECT * FROM amp.read_days(p_org, lo, hi, p_channel, p_campaign)
	), counts AS (
		SELECT win.i, jsonb_build_object(
		    'events', coalesce(sum(d.events) FILTER (WHERE d.k), 0),
		    'active', coalesce(sum(d.active) FILTER (WHERE d.k), 0),
		    'active_self', coalesce(sum(d.active_self)
			FILTER (WHERE d.k), 0),
		    'active_pressure', coalesce(sum(d.active_pressure)
			FILTER (WHERE d.k), 0),
		    'contributions', coalesce(sum(d.contrib)
			FILTER (WHERE d.k), 0),
		    'contributions_giving', coalesce(sum(d.contrib_giving)
			FILTER (WHERE d.k), 0),
		    'free_choice', coalesce(sum(d.free_choice)
			FILTER (WHERE d.k), 0)) AS doc,
		    -- Every channel's and campaign's: any event that changes
		    -- a member row of the window adds to it.
		    gen.gen || ':' || coalesce(sum(d.events), 0) AS stamp
		FROM win
		CROSS JOIN gen
		LEFT JOIN win_days wd ON wd.i = win.i
		LEFT JOIN days d ON d.day = wd.day
		GROUP BY win.i, gen.gen
	), mastery AS (
		-- A window of one day has no halves, and no mastery to keep.
		-- What was kept of the same generation is a base to bring up
		-- to date, unless the window has more than doubled since
		-- (then counting every member costs less), or ingestion
		-- followed it (then its snapshot does not say what it holds:
		-- a stamp that does not hold, as after a load that bypassed
		-- the API, has it counted whole).
		SELECT win.i, win.f, win.t, c.stamp,
		    CASE WHEN k.stamp = c.stamp THEN k.doc END AS kept,
		    CASE WHEN k.snap IS NOT NULL AND NOT k.followed
			AND split_part(k.stamp, ':', 1) = split_part(c.stamp,
			    ':', 1)
			AND split_part(c.stamp, ':', 2)::bigint
			    <= 2 * split_part(k.stamp, ':', 2)::bigint
			THEN k.doc END AS base, k.snap, k.complete, k.made_at,
		    split_part(k.stamp, ':', 2)::bigint AS base_events,
		    win.f + (win.t - win.f) / 2 > win.f AS halves
		FROM win
		JOIN counts c ON c.i = win.i
		LEFT JOIN amp.read_memos(p_org, p_zone, lo, hi, p_channel,
		    p_campaign) k ON k.day_from = win.f AND k.day_to = win.t
	), todo AS MATERIALIZED (
		SELECT * FROM mastery WHERE halves AND kept IS NULL
	), cold AS MATERIALIZED (
		SELECT * FROM amp.read_mastery(p_org,
		    ARRAY(SELECT f FROM todo ORDER BY i),
		    ARRAY(SELECT t FROM todo ORDER BY i),
		    ARRAY(SELECT base FROM todo ORDER BY i),
		    ARRAY(SELECT snap FROM todo ORDER BY i),
		    p_zone, p_channel, p_campaign,
		    CASE WHEN pass = 1 THEN -1 ELSE p_budget_ms END)
	), kpi_days AS (
		SELECT wd.i, x.metric, sum(x.actual) AS actual, sum(x.n) AS n
		FROM win_days wd
		JOIN amp.read_results(p_org, lo, hi, p_zone) x ON x.day = wd.day
		GROUP BY 1, 2
	), kpis AS (
		SELECT win.i, coalesce(jsonb_agg(jsonb_build_object(
		    'metric', k.metric, 'name', k.name, 'unit', k.unit,
		    'target', k.target, 'period', k.period,
		    'direction', k.direction, 'actual', coalesce(r.actual, 0),
		    'observations', coalesce(r.n, 0)) ORDER BY k.metric)
			FILTER (WHERE k.metric IS NOT NULL), '[]') AS doc
		FROM win
		LEFT JOIN amp.read_kpis(p_org) k ON true
		LEFT JOIN kpi_days r ON r.i = win.i AND r.metric = k.metric
		GROUP BY win.i
	)
	SELECT coalesce(jsonb_agg(jsonb_build_object(
	    'from', amp.day_ts(win.f, p_zone), 'to', amp.day_ts(win.t, p_zone),
	    'days', amp.span_days(win.f, win.t, p_zone),
	    'counts', c.doc,
	    'mastery', coalesce(ms.kept, cold.doc,
		jsonb_build_object('quality_members', 0,
		    'quality_improved', 0, 'ladder_members', 0,
		    'ladder_climbed', 0)),
	    'kpis', kp.doc) ORDER BY win.i), '[]'),
	    jsonb_agg(jsonb_build_object('f', win.f, 't', win.t,
		'stamp', ms.stamp, 'doc', cold.doc, 'snap', cold.snap,
		'base', CASE WHEN ms.base IS NOT NULL THEN ms.snap END,
		-- Every member's tallies kept: all of a base that had
		-- them, or a whole count's (amp.read_mastery keeps none
		-- past 20 000 members).
		'complete', CASE WHEN ms.base IS NOT NULL THEN ms.complete
		    ELSE cold.members IS NOT NULL END,
		'follow', promote))
		FILTER (WHERE cold.doc IS NOT NULL),
	    count(*) FILTER (WHERE ms.halves AND ms.kept IS NULL
		AND cold.doc IS NULL),
	    (SELECT array_agg(ROW(p_org, p_zone, c.day_from, c.day_to,
		coalesce(p_channel, ''), coalesce(p_campaign, ''), u.member,
		u, 0)::amp.mastery_members)
		FROM cold c, unnest(c.members) u),
	    array_agg(win.f) FILTER (WHERE ms.halves AND ms.kept IS NULL),
	    array_agg(win.t) FILTER (WHERE ms.halves AND ms.kept IS NULL),
	    -- Every window to compute is brought up to date from a base
	    -- with all its members, by at most 50 000 events: what the
	    -- ZONE lock would hold ingestion back for.
	    coalesce(bool_and(ms.base IS NOT NULL AND ms.complete)
		FILTER (WHERE ms.halves AND ms.kept IS NULL), false)
	    AND coalesce(sum(split_part(ms.stamp, ':', 2)::bigint
		- ms.base_events) FILTER (WHERE ms.halves
		    AND ms.kept IS NULL), 0) <= 50000,
	    array_agg(amp.window_key(win.f, win.t)) FILTER (WHERE
		ms.kept IS NOT NULL AND ms.made_at < now() - interval '5 minutes')
	INTO answer, fresh, short, tallies, todo_f, todo_t, candidate, touch
	FROM win
	JOIN counts c ON c.i = win.i
	JOIN mastery ms ON ms.i = win.i
	JOIN kpis kp ON kp.i = win.i
	LEFT JOIN cold ON cold.day_from = win.f AND cold.day_to = win.t;
	EXIT WHEN short = 0 OR pass = 2;
	promote := p_follow AND candidate
	    AND amp.read_followed(p_org) < 64;	-- FOLLOW_MAX
	IF promote THEN
		-- Before any kept row: a batch holds it shared and then
		-- takes the rows of the windows it follows.
		PERFORM pg_advisory_xact_lock(7245013, hashtext(p_org));
	END IF;
	PERFORM amp.lock_memos(p_org, p_zone, p_channel, p_campaign, todo_f,
	    todo_t);
	END LOOP;
	IF fresh IS NOT NULL THEN
		PERFORM amp.keep_mastery(p_org, p_zone, p_channel, p_campaign,
		    fresh, tallies);
	END IF;
	IF touch IS NOT NULL THEN
		-- Asked for again: kept longer (a followed window, written
		-- by ingestion and not by its reads, goes when not asked
		-- for in half an hour: amp.fold_followed). Rows a batch
		-- holds are left for the next time.
		UPDATE amp.mastery_memo o SET made_at = now()
		WHERE o.org_id = p_org AND (o.zone, o.day_from, o.day_to,
		    o.channel, o.campaign) IN (SELECT k.zone, k.day_from,
			k.day_to, k.channel, k.campaign
			FROM amp.mastery_memo k
			WHERE k.org_id = p_org AND k.zone = p_zone
			    AND k.day_from = ANY (p_from)
			    AND k.channel = coalesce(p_channel, '')
			    AND k.campaign = coalesce(p_campaign, '')
			    AND amp.window_key(k.day_from, k.day_to)
				= ANY (touch)
			FOR UPDATE SKIP LOCKED);
	END IF;
	IF short > 0 THEN
		RETURN NULL;
	END IF;
	RETURN answer;
END
$$;

-- p_from and p_to are window bounds as src/params.c passes them (dates
-- or instants, amp.bound); the window is the org's local days covering
-- them, and the answer names the zone.
CREATE OR REPLACE FUNCTION amp.indicators(p_org text, p_channel text,
    p_campaign text, p_from text, p_to text)
RETURNS TABLE (status int, body jsonb)
LANGUAGE plpgsql AS $$
DECLARE
	zone text;
BEGIN
	PERFORM amp.tenant(p_org);
	zone := amp.org_zone(p_org);
	IF amp.unknown_campaign_filter(p_org, p_campaign) THEN
		RETURN QUERY SELECT 400, amp.filter_problem('campaign',
		    'names no existing campaign');
		RETURN;
	END IF;
	RETURN QUERY SELECT 200, amp.windows_data(p_org,
	    ARRAY[amp.day_floor(amp.bound(p_from, false, zone), zone)],
	    ARRAY[amp.day_ceil(amp.bound(p_to, true, zone), zone)], p_channel,
	    p_campaign, zone, p_follow => true) -> 0
	    || jsonb_build_object('channel', p_channel, 'campaign', p_campaign,
	    'timezone', zone);
END
$$;

-- 102 when the buckets' mastery took longer than p_budget_ms (ms): what
-- was computed is kept, and the service asks again (src/call.c).
CREATE OR REPLACE FUNCTION amp.indicator_series(p_org text, p_interval text,
    p_channel text, p_campaign text, p_from text, p_to text,
    p_budget_ms int)
RETURNS TABLE (status int, body jsonb)
LANGUAGE plpgsql AS $$
DECLARE
	buckets jsonb;
	zone text;
	f date;
	t date;
	unit text := coalesce(p_interval, 'day');
	starts date[];
	ends date[];
BEGIN
	PERFORM amp.tenant(p_org);
	zone := amp.org_zone(p_org);
	f := amp.day_floor(amp.bound(p_from, false, zone), zone);
	t := amp.day_ceil(amp.bound(p_to, true, zone), zone);
	IF unit NOT IN ('day', 'week', 'month') THEN
		RETURN QUERY SELECT 400, amp.filter_problem('interval',
		    'must be day, week or month');
		RETURN;
	END IF;
	IF amp.unknown_campaign_filter(p_org, p_campaign) THEN
		RETURN QUERY SELECT 400, amp.filter_problem('campaign',
		    'names no existing campaign');
		RETURN;
	END IF;
	-- Buckets are local days, ISO weeks (Monday) or months, clipped to
	-- the window: calendar arithmetic on local dates.
	SELECT array_agg(greatest(g::date, f) ORDER BY g),
	    array_agg(least((g + ('1 ' || unit)::interval)::date, t) ORDER BY g)
	INTO starts, ends
	FROM generate_series(date_trunc(unit, f::timestamp),
	    t::timestamp - interval '1 day', ('1 ' || unit)::interval) g;
	IF cardinality(starts) > 400 THEN
		RETURN QUERY SELECT 400, amp.filter_problem('interval',
		    'gives more than 400 buckets for this window');
		RETURN;
	END IF;
	buckets := amp.windows_data(p_org, starts, ends, p_channel,
	    p_campaign, zone, p_budget_ms, p_follow => true);
	IF buckets IS NULL THEN
		RETURN QUERY SELECT 102, NULL::jsonb;
		RETURN;
	END IF;
	RETURN QUERY SELECT 200, jsonb_build_object('interval', unit,
	    'channel', p_channel, 'campaign', p_campaign, 'timezone', zone,
	    'from', amp.day_ts(f, zone), 'to', amp.day_ts(t, zone),
	    'buckets', buckets);
END
$$;
