-- Reads at any volume, and many windows in one statement.
--
-- 1. A filter on the member rollup written as a condition (CASE on the
--    parameters) made the cached generic plan scan every per-channel row
--    of the window's months for an unfiltered read: the cost of
--    /v1/indicators grew with the number of channels' rows, that is with
--    volume. The rows are now named by their channel key, so the plan
--    prunes to one partition and seeks its index.
-- 2. A series (and a belief's daily values) took one window_data call per
--    bucket: three statements each, some 85 µs of overhead per bucket.
--    amp.windows_data answers any number of windows in one statement; a
--    single window is the one-element case.
-- 3. The mastery tallies take each row's three indexes (window start,
--    midpoint, end) once instead of two date comparisons per span.
-- 4. The member log takes one row per ingest batch (below).
-- 5. Ingestion inserts a batch optimistically (below).

DROP FUNCTION amp.window_data(text, date, date, text, text);

-- Everything the indicator formulas need for each window [p_from[i],
-- p_to[i]): counts from day_stats, the mastery tallies from the member
-- rollup, and each KPI's observations: a JSON array with one document per
-- window, in order.
-- The formulas themselves live in src/core.
CREATE FUNCTION amp.windows_data(p_org text, p_from date[], p_to date[],
    p_channel text, p_campaign text) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
DECLARE
	-- The member rollup rows a read takes, by channel: the all-channels
	-- rows ('') unfiltered, else the filtered channel's, else (campaign
	-- alone) those of the channels the campaign reached. Named as a key,
	-- not as a condition, so that the cached plan prunes partitions and
	-- seeks the index whatever the filter.
	channels text[];
BEGIN
	IF p_channel IS NOT NULL THEN
		channels := ARRAY[p_channel];
	ELSIF p_campaign IS NULL THEN
		channels := ARRAY[''];
	ELSE
		channels := ARRAY(SELECT DISTINCT d.channel FROM amp.day_stats d
		    WHERE d.org_id = p_org AND d.campaign = p_campaign
			AND d.day >= (SELECT min(f) FROM unnest(p_from) f)
			AND d.day < (SELECT max(t) FROM unnest(p_to) t));
	END IF;

	-- Each part is read per window (LATERAL), so that every plan, cached
	-- or not, seeks its index with the window's bounds.
	RETURN (SELECT coalesce(jsonb_agg(jsonb_build_object(
	    'from', amp.day_ts(w.f), 'to', amp.day_ts(w.t), 'days', w.t - w.f,
	    'counts', c.doc,
	    'mastery', coalesce(m.doc, jsonb_build_object('quality_members', 0,
		'quality_improved', 0, 'ladder_members', 0,
		'ladder_climbed', 0)),
	    'kpis', k.doc) ORDER BY w.i), '[]')
	FROM unnest(p_from, p_to) WITH ORDINALITY AS w(f, t, i)
	CROSS JOIN LATERAL (
		SELECT jsonb_build_object(
		    'events', coalesce(sum(d.events), 0),
		    'active', coalesce(sum(d.active), 0),
		    'active_self', coalesce(sum(d.active_self), 0),
		    'active_pressure', coalesce(sum(d.active_pressure), 0),
		    'contributions', coalesce(sum(d.contrib), 0),
		    'contributions_giving', coalesce(sum(d.contrib_giving), 0),
		    'free_choice', coalesce(sum(d.free_choice), 0)) AS doc
		FROM amp.day_stats d
		WHERE d.org_id = p_org AND d.day >= w.f AND d.day < w.t
		    AND (p_channel IS NULL OR d.channel = p_channel)
		    AND (p_campaign IS NULL OR d.campaign = p_campaign)
	) c
	-- Mastery compares the halves of the window, split at
	-- from + floor(days / 2): a window of one day has none.
	LEFT JOIN LATERAL (
		-- "More than 0.05" with a 1e-9 allowance: signal sums are
		-- differences of float running totals, and a growth of exactly
		-- 0.05 (levels 3,3,3,3,4 after 3,3,3,3,3) must not count
		-- because 0.55 - 0.5 comes out as 0.05000000000000004.
		SELECT jsonb_build_object(
		    'quality_members', count(*) FILTER (WHERE n1 >= 2 AND n2 >= 2),
		    'quality_improved', count(*) FILTER (WHERE n1 >= 2
			AND n2 >= 2 AND s2 / n2 - s1 / n1 > 0.05 + 1e-9),
		    'ladder_members', count(*) FILTER (WHERE e1 >= 1 AND e2 >= 1),
		    'ladder_climbed', count(*) FILTER (WHERE e1 >= 1 AND e2 >= 1
			AND amp.deepest(a2, b2, c2, d2)
			    > amp.deepest(a1, b1, c1, d1))) AS doc
		FROM (
			SELECT m.member,
			    sum(amp.between(m.ev, i.lo, i.mid)) AS e1,
			    sum(amp.between(m.ev, i.mid, i.hi)) AS e2,
			    sum(amp.between(m.sig_n, i.lo, i.mid)) AS n1,
			    sum(amp.between(m.sig_n, i.mid, i.hi)) AS n2,
			    sum(amp.between(m.sig_sum, i.lo, i.mid)) AS s1,
			    sum(amp.between(m.sig_sum, i.mid, i.hi)) AS s2,
			    sum(amp.between(m.k1, i.lo, i.mid)) AS a1,
			    sum(amp.between(m.k1, i.mid, i.hi)) AS a2,
			    sum(amp.between(m.k2, i.lo, i.mid)) AS b1,
			    sum(amp.between(m.k2, i.mid, i.hi)) AS b2,
			    sum(amp.between(m.k3, i.lo, i.mid)) AS c1,
			    sum(amp.between(m.k3, i.mid, i.hi)) AS c2,
			    sum(amp.between(m.k4, i.lo, i.mid)) AS d1,
			    sum(amp.between(m.k4, i.mid, i.hi)) AS d2
			FROM (SELECT w.f + (w.t - w.f) / 2 AS mid OFFSET 0) h,
			    amp.member_rollup(p_org, w.f, w.t) m,
			    -- The window's start, midpoint and end as indexes
			    -- into the month's running totals, once per row.
			    LATERAL (SELECT amp.day_index(m.month, w.f) AS lo,
				amp.day_index(m.month, h.mid) AS mid,
				amp.day_index(m.month, w.t) AS hi OFFSET 0) i
			WHERE h.mid > w.f AND m.channel = ANY (channels)
			    AND (p_campaign IS NULL OR m.campaign = p_campaign)
			GROUP BY m.member
		) per
		HAVING count(*) > 0
	) m ON true
	CROSS JOIN LATERAL (
		SELECT coalesce(jsonb_agg(jsonb_build_object('metric', k.metric,
		    'name', k.name, 'target', k.target, 'period', k.period,
		    'direction', k.direction, 'actual', coalesce(r.actual, 0),
		    'observations', coalesce(r.n, 0)) ORDER BY k.metric),
		    '[]') AS doc
		FROM amp.kpis k
		LEFT JOIN LATERAL (
			SELECT sum(x.value) AS actual, count(*) AS n
			FROM amp.results x
			WHERE x.org_id = p_org AND x.metric = k.metric
			    AND x.observed_at >= w.f::timestamp AT TIME ZONE 'UTC'
			    AND x.observed_at < w.t::timestamp AT TIME ZONE 'UTC'
		) r ON true
		WHERE k.org_id = p_org
	) k);
END
$$;

-- The number of days of month m before day d, 0 to 31: the index into a
-- month row's running totals of the total before d.
CREATE FUNCTION amp.day_index(m date, d date) RETURNS int
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT least(greatest(d - m, 0), 31)
$$;

-- The total of a running-total array from index i0 to i1 (see day_index).
CREATE FUNCTION amp.between(a anyarray, i0 int, i1 int) RETURNS float8
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT CASE WHEN i1 > i0 THEN a[i1]::float8 - coalesce(a[i0], 0)::float8
	    ELSE 0 END
$$;

-- amp.span (the total over the days of [h0, h1) in month m) in those terms.
CREATE OR REPLACE FUNCTION amp.span(a anyarray, m date, h0 date, h1 date)
RETURNS float8
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT amp.between(a, amp.day_index(m, h0), amp.day_index(m, h1))
$$;

-- The deepest kind with a tally (consume 1 .. contribute 4), 0 for none.
CREATE FUNCTION amp.deepest(k1 float8, k2 float8, k3 float8, k4 float8)
RETURNS int
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT CASE WHEN k4 > 0 THEN 4 WHEN k3 > 0 THEN 3 WHEN k2 > 0 THEN 2
	    WHEN k1 > 0 THEN 1 ELSE 0 END
$$;

CREATE OR REPLACE FUNCTION amp.indicators(p_org text, p_channel text,
    p_campaign text, p_from timestamptz, p_to timestamptz)
RETURNS TABLE (status int, body jsonb)
LANGUAGE plpgsql STABLE AS $$
BEGIN
	PERFORM amp.tenant(p_org);
	IF amp.unknown_campaign_filter(p_org, p_campaign) THEN
		RETURN QUERY SELECT 400, amp.filter_problem('campaign',
		    'names no existing campaign');
		RETURN;
	END IF;
	RETURN QUERY SELECT 200, amp.windows_data(p_org,
	    ARRAY[amp.day_floor(p_from)], ARRAY[amp.day_ceil(p_to)], p_channel,
	    p_campaign) -> 0
	    || jsonb_build_object('channel', p_channel, 'campaign', p_campaign);
END
$$;

CREATE OR REPLACE FUNCTION amp.indicator_series(p_org text, p_interval text,
    p_channel text, p_campaign text, p_from timestamptz, p_to timestamptz)
RETURNS TABLE (status int, body jsonb)
LANGUAGE plpgsql STABLE AS $$
DECLARE
	f date := amp.day_floor(p_from);
	t date := amp.day_ceil(p_to);
	unit text := coalesce(p_interval, 'day');
	starts date[];
	ends date[];
BEGIN
	PERFORM amp.tenant(p_org);
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
	-- Buckets are UTC days, ISO weeks (Monday) or months, clipped to the
	-- window.
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
	RETURN QUERY SELECT 200, jsonb_build_object('interval', unit,
	    'channel', p_channel, 'campaign', p_campaign,
	    'from', amp.day_ts(f), 'to', amp.day_ts(t),
	    'buckets', amp.windows_data(p_org, starts, ends, p_channel,
		p_campaign));
END
$$;

-- The belief with the indicator's daily figures on each side of its change
-- point, as of now. Mastery needs two halves, so its daily value is taken
-- over the 14 days ending that day. Only complete UTC days count: today's
-- figures are partial, and a partial day would pull a rate (free-choice
-- events per day) or a comparison of halves (mastery) down.
CREATE OR REPLACE FUNCTION amp.belief_data(p_org text, b amp.beliefs)
RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
DECLARE
	at_day date;
	span int := CASE WHEN b.indicator IN ('mastery') THEN 14 ELSE 1 END;
	froms date[];
	tos date[];
	days jsonb;
BEGIN
	at_day := amp.day_floor(coalesce(b.at, (SELECT c.starts_at
	    FROM amp.campaigns c WHERE c.org_id = p_org AND c.id = b.campaign)));
	-- Day d's value is taken over [d - span + 1, d + 1).
	SELECT array_agg(g::date - span + 1 ORDER BY g),
	    array_agg(g::date + 1 ORDER BY g)
	INTO froms, tos
	FROM generate_series(at_day - b.window_days,
	    least(at_day + b.window_days, (now() AT TIME ZONE 'UTC')::date) - 1,
	    interval '1 day') g;
	SELECT jsonb_agg(jsonb_build_object('side', CASE WHEN tos[x.n] <= at_day
	    THEN 'before' ELSE 'after' END) || x.doc ORDER BY x.n)
	INTO days
	FROM jsonb_array_elements(amp.windows_data(p_org, froms, tos, b.channel,
	    NULL)) WITH ORDINALITY AS x(doc, n);
	RETURN amp.belief_json(b) || jsonb_build_object('change_point',
	    amp.day_ts(at_day), 'days', coalesce(days, '[]'));
END
$$;


-- The member log, one row per ingest batch -------------------------------
--
-- Ingestion appended one row per member, day, channel and campaign its
-- batch touched (about one per event), each with two index entries, and
-- the compactor deleted them one by one again: a third of what an ingested
-- event cost. Now a batch appends one row holding its tallies as an array
-- (stored out of line, uncompressed: writing it is a copy), and the
-- compactor takes whole batches. amp.member_log stays as the row type of
-- a tally and holds no rows.

CREATE TABLE amp.member_log_batch (
	org_id		text NOT NULL,
	-- Folding order.
	seq		bigserial NOT NULL,
	-- The days the tallies cover, for reads of the unfolded log.
	day_lo		date NOT NULL,
	day_hi		date NOT NULL,
	tallies		amp.member_log[] NOT NULL
);
ALTER TABLE amp.member_log_batch ALTER COLUMN tallies SET STORAGE EXTERNAL;
CREATE INDEX member_log_batch_org ON amp.member_log_batch (org_id, day_lo);
CREATE INDEX member_log_batch_seq ON amp.member_log_batch (seq);
ALTER TABLE amp.member_log_batch SET (autovacuum_vacuum_scale_factor = 0,
    autovacuum_vacuum_threshold = 1000, autovacuum_vacuum_cost_delay = 0);
SELECT amp.tenant_table('member_log_batch');
GRANT USAGE ON SEQUENCE amp.member_log_batch_seq_seq TO amp_app;

-- What is still unfolded moves over, one batch per org.
INSERT INTO amp.member_log_batch (org_id, day_lo, day_hi, tallies)
SELECT l.org_id, min(l.day), max(l.day), array_agg(l ORDER BY l.seq)
FROM amp.member_log l
GROUP BY l.org_id;
DELETE FROM amp.member_log;
-- Only its row type is used now: its indexes would be upkeep for nothing.
DROP INDEX amp.member_log_day, amp.member_log_seq;

-- Adds (sign 1) or takes away (sign -1) a set of events from the rollups.
-- Rows are touched in key order so concurrent batches cannot deadlock.
CREATE OR REPLACE FUNCTION amp.rollup_apply(p_org text, p amp.events[],
    p_sign int)
RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	IF p IS NULL OR cardinality(p) = 0 THEN
		RETURN;
	END IF;
	INSERT INTO amp.day_stats AS t (org_id, day, channel, campaign, events,
	    active, active_self, active_pressure, contrib, contrib_giving,
	    free_choice)
	SELECT p_org, x.day, x.channel, x.campaign, p_sign * x.events,
	    p_sign * x.active, p_sign * x.active_self, p_sign * x.active_pressure,
	    p_sign * x.contrib, p_sign * x.contrib_giving, p_sign * x.free_choice
	FROM amp.day_deltas(p) x
	ORDER BY x.day, x.channel, x.campaign
	ON CONFLICT (org_id, day, channel, campaign) DO UPDATE SET
	    events = t.events + excluded.events,
	    active = t.active + excluded.active,
	    active_self = t.active_self + excluded.active_self,
	    active_pressure = t.active_pressure + excluded.active_pressure,
	    contrib = t.contrib + excluded.contrib,
	    contrib_giving = t.contrib_giving + excluded.contrib_giving,
	    free_choice = t.free_choice + excluded.free_choice;

	-- Erasure appends the erased events' tallies with a minus sign rather
	-- than deleting the member's rows whole: an event of the same member
	-- that a concurrent batch commits meanwhile (invisible to the
	-- erasure's DELETE, so it stays stored) keeps its share.
	INSERT INTO amp.member_log_batch (org_id, day_lo, day_hi, tallies)
	SELECT p_org, min(l.day), max(l.day), array_agg(l)
	FROM amp.log_deltas(p_org, p, p_sign) l
	HAVING count(*) > 0;

	IF p_sign < 0 THEN
		DELETE FROM amp.day_stats d
		WHERE d.org_id = p_org AND d.events = 0;
	END IF;
END
$$;

-- Folds up to p_limit logged batches (all when NULL) into member_months
-- and returns how many it folded (0 when another compaction is running).
-- Safe beside ingestion and reads: the batches it takes move in one
-- statement. It works across orgs, as maintenance, so it runs as the owner
-- of the tables.
CREATE OR REPLACE FUNCTION amp.compact_rollups(p_limit int DEFAULT 100)
RETURNS int
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, amp SET work_mem = '64MB' AS $$
DECLARE
	batches int;
	taken amp.member_log[];
BEGIN
	-- One compactor at a time; another would only wait on its rows. A
	-- full fold (checks, rebuilds) waits its turn; a periodic one skips.
	IF p_limit IS NULL THEN
		PERFORM pg_advisory_xact_lock(7245002);
	ELSIF NOT pg_try_advisory_xact_lock(7245002) THEN
		RETURN 0;
	END IF;
	WITH t AS (
		DELETE FROM amp.member_log_batch b
		WHERE b.ctid = ANY (ARRAY(SELECT x.ctid
		    FROM amp.member_log_batch x
		    ORDER BY x.seq LIMIT p_limit FOR UPDATE SKIP LOCKED))
		RETURNING b.tallies
	)
	SELECT (SELECT count(*) FROM t),
	    (SELECT array_agg(l) FROM t, unnest(t.tallies) l)
	INTO batches, taken;
	IF taken IS NULL THEN
		RETURN 0;
	END IF;

	INSERT INTO amp.member_months AS t (org_id, month, channel, campaign,
	    member, ev, sig_n, sig_sum, k1, k2, k3, k4, fc, pr)
	SELECT x.org_id, x.month, x.channel, x.campaign, x.member, x.ev,
	    x.sig_n, x.sig_sum, x.k1, x.k2, x.k3, x.k4, x.fc, x.pr
	FROM amp.month_running(amp.with_totals(taken)) x
	ORDER BY x.org_id, x.channel, x.month, x.campaign, x.member
	ON CONFLICT (org_id, month, channel, campaign, member) DO UPDATE SET
	    ev = amp.vadd(t.ev, excluded.ev),
	    sig_n = amp.vadd(t.sig_n, excluded.sig_n),
	    sig_sum = amp.vadd(t.sig_sum, excluded.sig_sum),
	    k1 = amp.vadd(t.k1, excluded.k1),
	    k2 = amp.vadd(t.k2, excluded.k2),
	    k3 = amp.vadd(t.k3, excluded.k3),
	    k4 = amp.vadd(t.k4, excluded.k4),
	    fc = amp.vadd(t.fc, excluded.fc),
	    pr = amp.vadd(t.pr, excluded.pr);

	-- Rows that erasures emptied go.
	DELETE FROM amp.member_months m
	USING (SELECT DISTINCT l.org_id, l.member FROM unnest(taken) l
	    WHERE l.ev < 0) e
	WHERE m.org_id = e.org_id AND m.member = e.member AND m.ev[31] = 0;
	RETURN batches;
END
$$;

-- An org's member rollup rows for the months that meet [p_from, p_to):
-- member_months plus the logged tallies not yet folded in. Sums over
-- several rows of one member are what every reader takes, so the two add
-- up. A reader takes either the all-channels rows (channel '') or the
-- others.
CREATE OR REPLACE FUNCTION amp.member_rollup(p_org text, p_from date,
    p_to date)
RETURNS TABLE (month date, channel text, campaign text, member text,
    ev int[], sig_n int[], sig_sum float8[], k1 int[], k2 int[], k3 int[],
    k4 int[], fc int[], pr int[])
LANGUAGE sql STABLE AS $$
	SELECT m.month, m.channel, m.campaign, m.member, m.ev, m.sig_n,
	    m.sig_sum, m.k1, m.k2, m.k3, m.k4, m.fc, m.pr
	FROM amp.member_months m
	WHERE m.org_id = p_org AND m.month >= date_trunc('month', p_from)::date
	    AND m.month < p_to
	UNION ALL
	SELECT r.month, r.channel, r.campaign, r.member, r.ev, r.sig_n,
	    r.sig_sum, r.k1, r.k2, r.k3, r.k4, r.fc, r.pr
	FROM amp.month_running(amp.with_totals(ARRAY(SELECT l
	    FROM amp.member_log_batch b, unnest(b.tallies) l
	    WHERE b.org_id = p_org AND b.day_lo < p_to
		AND b.day_hi >= date_trunc('month', p_from)::date
		AND l.day >= date_trunc('month', p_from)::date
		AND l.day < p_to))) r
$$;

-- Rebuilds an org's rollups from its raw events, day by day, one day at a
-- time through the same rollup_apply as ingestion: for bulk loads that
-- bypass the API (COPY), and for operators after a repair.
--   SELECT amp.rebuild_rollups('org');
CREATE OR REPLACE FUNCTION amp.rebuild_rollups(p_org text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	first date;
	last date;
	d date;
BEGIN
	PERFORM amp.tenant(p_org);
	DELETE FROM amp.day_stats WHERE org_id = p_org;
	DELETE FROM amp.member_months WHERE org_id = p_org;
	DELETE FROM amp.member_log_batch WHERE org_id = p_org;
	SELECT amp.day_floor(min(occurred_at)), amp.day_floor(max(occurred_at))
	INTO first, last FROM amp.events WHERE org_id = p_org;
	FOR d IN SELECT g::date FROM generate_series(first, last,
	    interval '1 day') g LOOP
		PERFORM amp.rollup_apply(p_org, ARRAY(SELECT e FROM amp.events e
		    WHERE e.org_id = p_org
		    AND e.occurred_at >= d::timestamp AT TIME ZONE 'UTC'
		    AND e.occurred_at < (d + 1)::timestamp AT TIME ZONE 'UTC'), 1);
	END LOOP;
	PERFORM amp.compact_rollups(NULL);
END
$$;


-- Ingest: an optimistic insert ----------------------------------------------
--
-- INSERT ... ON CONFLICT DO NOTHING checks every row against the key before
-- inserting it (a speculative insertion), some 10-15 % of an ingest's cost.
-- Batches are almost always new, so a batch is inserted plainly first; only
-- when an id is stored already (a retry) or being stored by a concurrent
-- batch does it roll back to the savepoint and insert with ON CONFLICT,
-- which keeps the first version of each event. Rows go in id order, so two
-- batches sharing new ids wait on each other in one order, never in a
-- cycle (a deadlock).

-- A batch's events as rows to store: the campaign's incentive gives the
-- defaults of initiative and rewarded.
CREATE FUNCTION amp.event_rows(p_org text, p_items jsonb)
RETURNS SETOF amp.events
LANGUAGE sql STABLE AS $$
	SELECT p_org, s.id, s.member, s.channel, s.action, s.kind,
	    s.occurred_at,
	    coalesce(s.initiative, CASE
		WHEN c.incentive IS NULL THEN 'self'
		WHEN c.incentive IN ('none', 'recognition') THEN 'prompted'
		ELSE 'incentivized' END),
	    coalesce(s.rewarded, coalesce(c.incentive NOT IN ('none',
		'recognition'), false)),
	    coalesce(s.beneficiary, 'self'), s.quality, s.level,
	    s.campaign, s.value, s.properties, now()
	FROM jsonb_to_recordset(p_items) AS s(id text, member text,
	    channel text, action text, kind text, occurred_at timestamptz,
	    initiative text, rewarded boolean, beneficiary text,
	    quality double precision, level smallint, campaign text,
	    value double precision, properties jsonb)
	LEFT JOIN amp.campaigns c ON c.org_id = p_org AND c.id = s.campaign
$$;

CREATE OR REPLACE FUNCTION amp.ingest_events(p_org text, p_body jsonb)
RETURNS TABLE (status int, body jsonb)
LANGUAGE plpgsql AS $$
DECLARE
	items jsonb := p_body->'events';
	bad jsonb;
	added amp.events[];
	n int;
BEGIN
	PERFORM amp.tenant(p_org);
	bad := amp.missing_refs(p_org, items, 'events', 'campaign');
	IF bad IS NOT NULL THEN
		RETURN QUERY SELECT 422, amp.unknown_refs(bad);
		RETURN;
	END IF;

	BEGIN
		WITH ins AS (
			INSERT INTO amp.events
			SELECT * FROM amp.event_rows(p_org, items) r
			ORDER BY r.id
			RETURNING *
		)
		SELECT array_agg(ROW(i.*)::amp.events) INTO added FROM ins i;
	EXCEPTION WHEN unique_violation THEN
		WITH ins AS (
			INSERT INTO amp.events
			SELECT * FROM amp.event_rows(p_org, items) r
			ORDER BY r.id
			ON CONFLICT (org_id, id) DO NOTHING
			RETURNING *
		)
		SELECT array_agg(ROW(i.*)::amp.events) INTO added FROM ins i;
	END;

	n := coalesce(cardinality(added), 0);
	PERFORM amp.rollup_apply(p_org, added, 1);
	RETURN QUERY SELECT 200, jsonb_build_object('accepted', n,
	    'duplicates', jsonb_array_length(items) - n);
END
$$;

GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA amp TO amp_app;
