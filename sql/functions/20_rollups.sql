-- Rollups: kept exact inside the ingest statement, so reads cost what the
-- window costs, not what the stored history costs. The tables
-- (day_stats, member_months, member_log_batch) are described in
-- sql/migrations/001_baseline.sql; their days and months are the org's
-- own, in its time zone (amp.org_zone).
--
-- Ingestion adds a batch's day counts to day_stats and appends the
-- batch's member tallies to member_log_batch (amp.rollup_apply); one
-- worker folds each org's logged batches into member_months, org by org
-- (amp.pending_orgs, amp.fold_member_log, src/compactor.c); reads take
-- member_months plus the batches not yet folded (amp.member_rollup,
-- amp.windows_data).
--
-- Two advisory locks per org, keyed (class, hashtext(org)):
--   ZONE (7245013): ingestion and erasure hold it shared while they apply
--     rollups in the org's zone; a change of zone holds it exclusively
--     while it re-derives the rollups, so no batch is applied in a zone
--     that is no longer the org's.
--   FOLD (7245014): one fold of an org's log at a time.
-- Per org, so that under Citus each is taken on the org's node.

-- Element-wise sum of two running-total arrays, spelled out element by
-- element: PostgreSQL inlines it, some ten times faster than unnest().
DO $gen$
DECLARE
	adds text;
BEGIN
	SELECT 'SELECT ARRAY[' || string_agg(format('a[%s] + b[%s]', i, i), ', ')
	    || ']' INTO adds FROM generate_series(1, 31) i;
	EXECUTE format('CREATE OR REPLACE FUNCTION amp.vadd(a int[], b int[]) '
	    'RETURNS int[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS %L', adds);
	EXECUTE format('CREATE OR REPLACE FUNCTION amp.vadd(a float8[], '
	    'b float8[]) RETURNS float8[] LANGUAGE sql IMMUTABLE PARALLEL SAFE '
	    'AS %L', adds);
END
$gen$;

-- The number of days of month m before day d, 0 to 31: the index into a
-- month row's running totals of the total before d.
CREATE OR REPLACE FUNCTION amp.day_index(m date, d date) RETURNS int
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT least(greatest(d - m, 0), 31)
$$;

-- The total of a running-total array from index i0 to i1 (see day_index).
CREATE OR REPLACE FUNCTION amp.between(a anyarray, i0 int, i1 int)
RETURNS float8
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT CASE WHEN i1 > i0 THEN a[i1]::float8 - coalesce(a[i0], 0)::float8
	    ELSE 0 END
$$;

-- The total of a running-total array over the days of [h0, h1) that fall
-- in the month starting at m.
CREATE OR REPLACE FUNCTION amp.span(a anyarray, m date, h0 date, h1 date)
RETURNS float8
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT amp.between(a, amp.day_index(m, h0), amp.day_index(m, h1))
$$;

-- The deepest kind with a tally (consume 1 .. contribute 4), 0 for none.
CREATE OR REPLACE FUNCTION amp.deepest(k1 float8, k2 float8, k3 float8,
    k4 float8) RETURNS int
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT CASE WHEN k4 > 0 THEN 4 WHEN k3 > 0 THEN 3 WHEN k2 > 0 THEN 2
	    WHEN k1 > 0 THEN 1 ELSE 0 END
$$;

CREATE OR REPLACE FUNCTION amp.depth(kind text) RETURNS int
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT CASE kind WHEN 'consume' THEN 1 WHEN 'react' THEN 2
	    WHEN 'create' THEN 3 WHEN 'contribute' THEN 4 ELSE 0 END
$$;

-- The competence signal: quality, else (level - 1) / 4, else none.
CREATE OR REPLACE FUNCTION amp.signal(quality float8, level smallint)
RETURNS float8
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT coalesce(quality, (level - 1) / 4.0)
$$;

-- Rollup deltas of a set of events: what they add to (sign 1) or, erased,
-- take from (sign -1) the rollups. Ingestion, erasure and the consistency
-- check all use these two functions, so the rollups have one definition.
CREATE OR REPLACE FUNCTION amp.day_deltas(p amp.events[], p_zone text)
RETURNS TABLE (day date, channel text, campaign text, events bigint,
    active bigint, active_self bigint, active_pressure bigint,
    contrib bigint, contrib_giving bigint, free_choice bigint)
LANGUAGE sql IMMUTABLE AS $$
	SELECT amp.day_floor(e.occurred_at, p_zone), e.channel,
	    coalesce(e.campaign, ''), count(*),
	    count(*) FILTER (WHERE k.a),
	    count(*) FILTER (WHERE k.a AND e.initiative = 'self'),
	    count(*) FILTER (WHERE k.a AND (e.initiative = 'incentivized'
		OR e.rewarded)),
	    count(*) FILTER (WHERE k.c),
	    count(*) FILTER (WHERE k.c AND e.beneficiary <> 'self'
		AND NOT e.rewarded),
	    count(*) FILTER (WHERE k.a AND e.initiative = 'self'
		AND NOT e.rewarded AND e.campaign IS NULL)
	FROM unnest(p) AS e,
	    LATERAL (SELECT e.kind IN ('react', 'create', 'contribute') AS a,
		e.kind IN ('create', 'contribute') AS c) k
	GROUP BY 1, 2, 3
$$;

-- The member-level tallies of a set of events, one per member, local day,
-- channel and campaign, with a sign: what ingestion logs (1) and erasure
-- takes away (-1).
CREATE OR REPLACE FUNCTION amp.log_deltas(p_org text, p amp.events[],
    p_sign int, p_zone text) RETURNS SETOF amp.member_log
LANGUAGE sql IMMUTABLE AS $$
	SELECT p_org, amp.day_floor(e.occurred_at, p_zone), e.channel,
	    coalesce(e.campaign, ''), e.member,
	    (p_sign * count(*))::int,
	    (p_sign * count(amp.signal(e.quality, e.level)))::int,
	    p_sign * coalesce(sum(amp.signal(e.quality, e.level)), 0),
	    (p_sign * count(*) FILTER (WHERE e.kind = 'consume'))::int,
	    (p_sign * count(*) FILTER (WHERE e.kind = 'react'))::int,
	    (p_sign * count(*) FILTER (WHERE e.kind = 'create'))::int,
	    (p_sign * count(*) FILTER (WHERE e.kind = 'contribute'))::int,
	    (p_sign * count(*) FILTER (WHERE e.kind IN ('react', 'create',
		'contribute') AND e.initiative = 'self' AND NOT e.rewarded
		AND e.campaign IS NULL))::int,
	    (p_sign * count(*) FILTER (WHERE e.kind IN ('react', 'create',
		'contribute') AND (e.initiative = 'incentivized'
		OR e.rewarded)))::int
	FROM unnest(p) AS e
	GROUP BY 2, 3, 4, 5
$$;

-- Concatenation of arrays, as an aggregate (array_cat is built in).
CREATE OR REPLACE AGGREGATE amp.cat(anycompatiblearray) (
	SFUNC = array_cat,
	STYPE = anycompatiblearray
);

-- One stretch of a running-total array: the total c reached on day d holds
-- until the next day with a tally (next_d), after zeros on the first.
CREATE OR REPLACE FUNCTION amp.segment(first boolean, d int, next_d int,
    c anyelement) RETURNS anyarray
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT array_fill(c - c, ARRAY[CASE WHEN first THEN d - 1 ELSE 0 END])
	    || array_fill(c, ARRAY[next_d - d])
$$;

-- A set of day tallies as month rows of running totals: per member month,
-- the running sums over its days (a window sum), each held until the next
-- day with a tally, concatenated. Only built-in C functions per row, so
-- folding a large log stays cheap.
CREATE OR REPLACE FUNCTION amp.month_running(p amp.member_log[])
RETURNS TABLE (org_id text, month date, channel text, campaign text,
    member text, ev int[], sig_n int[], sig_sum float8[], k1 int[],
    k2 int[], k3 int[], k4 int[], fc int[], pr int[])
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
	IF cardinality(p) IS NULL OR cardinality(p) = 0 THEN
		RETURN;
	END IF;
	RETURN QUERY
	WITH per_day AS (
		SELECT l.org_id, date_trunc('month', l.day)::date AS month,
		    l.channel, l.campaign, l.member,
		    extract(day FROM l.day)::int AS d,
		    sum(l.ev)::int AS ev, sum(l.sig_n)::int AS sig_n,
		    sum(l.sig_sum) AS sig_sum, sum(l.k1)::int AS k1,
		    sum(l.k2)::int AS k2, sum(l.k3)::int AS k3,
		    sum(l.k4)::int AS k4, sum(l.fc)::int AS fc, sum(l.pr)::int AS pr
		FROM unnest(p) AS l
		GROUP BY 1, 2, 3, 4, 5, 6
	), run AS (
		SELECT x.org_id, x.month, x.channel, x.campaign, x.member, x.d,
		    lead(x.d, 1, 32) OVER w AS next_d,
		    row_number() OVER w = 1 AS first,
		    (sum(x.ev) OVER w)::int AS ev,
		    (sum(x.sig_n) OVER w)::int AS sig_n,
		    sum(x.sig_sum) OVER w AS sig_sum,
		    (sum(x.k1) OVER w)::int AS k1, (sum(x.k2) OVER w)::int AS k2,
		    (sum(x.k3) OVER w)::int AS k3, (sum(x.k4) OVER w)::int AS k4,
		    (sum(x.fc) OVER w)::int AS fc, (sum(x.pr) OVER w)::int AS pr
		FROM per_day x
		WINDOW w AS (PARTITION BY x.org_id, x.month, x.channel, x.campaign,
		    x.member ORDER BY x.d)
	)
	SELECT r.org_id, r.month, r.channel, r.campaign, r.member,
	    amp.cat(amp.segment(r.first, r.d, r.next_d, r.ev) ORDER BY r.d),
	    amp.cat(amp.segment(r.first, r.d, r.next_d, r.sig_n) ORDER BY r.d),
	    amp.cat(amp.segment(r.first, r.d, r.next_d, r.sig_sum) ORDER BY r.d),
	    amp.cat(amp.segment(r.first, r.d, r.next_d, r.k1) ORDER BY r.d),
	    amp.cat(amp.segment(r.first, r.d, r.next_d, r.k2) ORDER BY r.d),
	    amp.cat(amp.segment(r.first, r.d, r.next_d, r.k3) ORDER BY r.d),
	    amp.cat(amp.segment(r.first, r.d, r.next_d, r.k4) ORDER BY r.d),
	    amp.cat(amp.segment(r.first, r.d, r.next_d, r.fc) ORDER BY r.d),
	    amp.cat(amp.segment(r.first, r.d, r.next_d, r.pr) ORDER BY r.d)
	FROM run r
	GROUP BY 1, 2, 3, 4, 5;
END
$$;

-- Tallies plus, for each, its share of the member's all-channels row.
CREATE OR REPLACE FUNCTION amp.with_totals(p amp.member_log[])
RETURNS amp.member_log[]
LANGUAGE sql IMMUTABLE AS $$
	SELECT p || ARRAY(SELECT ROW(l.org_id, l.day, '', '', l.member, l.ev,
	    l.sig_n, l.sig_sum, l.k1, l.k2, l.k3, l.k4, l.fc,
	    l.pr)::amp.member_log FROM unnest(p) l)
$$;

-- Adds (sign 1) or takes away (sign -1) a set of events from the rollups,
-- by the org's days. Rows are touched in key order so concurrent batches
-- cannot deadlock.
CREATE OR REPLACE FUNCTION amp.rollup_apply(p_org text, p amp.events[],
    p_sign int)
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	zone text;
BEGIN
	IF p IS NULL OR cardinality(p) = 0 THEN
		RETURN;
	END IF;
	-- The zone is read after the lock: a change of zone that committed
	-- meanwhile has re-derived the rollups without these events (they
	-- were not committed), and they go in by the new zone.
	PERFORM pg_advisory_xact_lock_shared(7245013, hashtext(p_org));
	zone := amp.org_zone(p_org);
	INSERT INTO amp.day_stats AS t (org_id, day, channel, campaign, events,
	    active, active_self, active_pressure, contrib, contrib_giving,
	    free_choice)
	SELECT p_org, x.day, x.channel, x.campaign, p_sign * x.events,
	    p_sign * x.active, p_sign * x.active_self, p_sign * x.active_pressure,
	    p_sign * x.contrib, p_sign * x.contrib_giving, p_sign * x.free_choice
	FROM amp.day_deltas(p, zone) x
	ORDER BY x.day, x.channel, x.campaign
	ON CONFLICT (org_id, day, channel, campaign) DO UPDATE SET
	    events = t.events + excluded.events,
	    active = t.active + excluded.active,
	    active_self = t.active_self + excluded.active_self,
	    active_pressure = t.active_pressure + excluded.active_pressure,
	    contrib = t.contrib + excluded.contrib,
	    contrib_giving = t.contrib_giving + excluded.contrib_giving,
	    free_choice = t.free_choice + excluded.free_choice;

	-- One log row for the whole batch. Erasure appends the erased
	-- events' tallies with a minus sign rather than deleting the member's
	-- rows whole: an event of the same member that a concurrent batch
	-- commits meanwhile (invisible to the erasure's DELETE, so it stays
	-- stored) keeps its share.
	INSERT INTO amp.member_log_batch (org_id, day_lo, day_hi, tallies)
	SELECT p_org, min(l.day), max(l.day), array_agg(l)
	FROM amp.log_deltas(p_org, p, p_sign, zone) l
	HAVING count(*) > 0;

	IF p_sign < 0 THEN
		DELETE FROM amp.day_stats d
		WHERE d.org_id = p_org AND d.events = 0;
	END IF;
END
$$;

-- The orgs with logged batches to fold: what the compactor visits. It
-- looks across orgs (through row-level security), so it runs as the owner
-- of the tables and only the service may call it.
CREATE OR REPLACE FUNCTION amp.pending_orgs() RETURNS SETOF text
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, amp AS $$
BEGIN
	RETURN QUERY SELECT DISTINCT b.org_id FROM amp.member_log_batch b;
END
$$;
REVOKE EXECUTE ON FUNCTION amp.pending_orgs() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION amp.pending_orgs() TO amp_app;

-- Folds up to p_limit of an org's logged batches (all when NULL) into its
-- member_months and returns how many it folded (0 when a fold of the org
-- is running already). Safe beside ingestion and reads: the batches it
-- takes move in one statement, and readers see them either logged or
-- folded, never both.
CREATE OR REPLACE FUNCTION amp.fold_member_log(p_org text, p_limit int)
RETURNS int
LANGUAGE plpgsql SET work_mem = '64MB' AS $$
DECLARE
	batches int;
	taken amp.member_log[];
BEGIN
	-- One fold of an org at a time; another would only wait on its rows.
	-- A full fold (checks, rebuilds) waits its turn; a periodic one skips.
	IF p_limit IS NULL THEN
		PERFORM pg_advisory_xact_lock(7245014, hashtext(p_org));
	ELSIF NOT pg_try_advisory_xact_lock(7245014, hashtext(p_org)) THEN
		RETURN 0;
	END IF;
	PERFORM amp.tenant(p_org);
	WITH t AS (
		DELETE FROM amp.member_log_batch b
		WHERE b.org_id = p_org AND b.seq IN (SELECT x.seq
		    FROM amp.member_log_batch x WHERE x.org_id = p_org
		    ORDER BY x.seq LIMIT p_limit)
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
	ORDER BY x.channel, x.month, x.campaign, x.member
	ON CONFLICT (org_id, channel, month, campaign, member) DO UPDATE SET
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
	WHERE m.org_id = p_org AND m.member IN (SELECT DISTINCT l.member
	    FROM unnest(taken) l WHERE l.ev < 0) AND m.ev[31] = 0;
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
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN QUERY
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
		AND l.day < p_to))) r;
END
$$;

-- Consistency check: derives every rollup row of an org from its raw
-- events, in its zone, and lists the rows where what reads see (the day
-- counts; the member months plus the log not yet folded) differs (none
-- when consistent). Each comparison is one statement, so one snapshot:
-- it holds while ingestion runs. For the tests and for operators:
--   SELECT amp.check_rollups('org');
CREATE OR REPLACE FUNCTION amp.check_rollups(p_org text) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	day_diff jsonb;
	month_diff jsonb;
	channel_diff jsonb;
	zone text;
BEGIN
	PERFORM amp.fold_member_log(p_org, NULL);
	PERFORM amp.tenant(p_org);
	-- A statement of its own: under Citus a query on a shard may not call
	-- a function that queries distributed tables.
	zone := amp.org_zone(p_org);
	WITH z AS (
		SELECT zone
	), raw AS (
		SELECT x.day, x.channel, x.campaign, sum(x.events) AS events,
		    sum(x.active) AS active, sum(x.active_self) AS active_self,
		    sum(x.active_pressure) AS active_pressure,
		    sum(x.contrib) AS contrib, sum(x.contrib_giving) AS contrib_giving,
		    sum(x.free_choice) AS free_choice
		FROM z, (SELECT DISTINCT member FROM amp.events
		    WHERE org_id = p_org) m,
		    LATERAL amp.day_deltas(ARRAY(SELECT ROW(e.*)::amp.events
			FROM amp.events e
			WHERE e.org_id = p_org AND e.member = m.member), z.zone) x
		GROUP BY 1, 2, 3
	), stored AS (
		SELECT day, channel, campaign, events, active, active_self,
		    active_pressure, contrib, contrib_giving, free_choice
		FROM amp.day_stats WHERE org_id = p_org AND events <> 0
	), diff AS (
		(SELECT 'missing' AS side, * FROM raw EXCEPT
		 SELECT 'missing', * FROM stored)
		UNION ALL
		(SELECT 'extra', * FROM stored EXCEPT SELECT 'extra', * FROM raw)
	)
	SELECT jsonb_agg(to_jsonb(diff)) INTO day_diff FROM diff;

	-- Month rows compared slot by slot, a row absent counting as zeros,
	-- so that a row and its logged additions add up.
	WITH z AS (
		SELECT zone
	), raw AS (
		SELECT x.month, x.channel, x.campaign, x.member, x.ev, x.sig_n,
		    x.sig_sum, x.k1, x.k2, x.k3, x.k4, x.fc, x.pr
		FROM z, (SELECT DISTINCT member FROM amp.events
		    WHERE org_id = p_org) m,
		    LATERAL amp.month_running(amp.with_totals(ARRAY(SELECT
			amp.log_deltas(p_org, ARRAY(SELECT ROW(e.*)::amp.events
			FROM amp.events e
			WHERE e.org_id = p_org AND e.member = m.member), 1,
			z.zone)))) x
	), stored AS (
		SELECT r.month, r.channel, r.campaign, r.member, r.ev, r.sig_n,
		    r.sig_sum, r.k1, r.k2, r.k3, r.k4, r.fc, r.pr
		FROM amp.member_rollup(p_org, '-infinity', 'infinity') r
	), slots AS (
		SELECT 1 AS side, x.month, x.channel, x.campaign, x.member, i,
		    x.ev[i] AS ev, x.sig_n[i] AS sig_n, x.sig_sum[i] AS sig_sum,
		    x.k1[i] AS k1, x.k2[i] AS k2, x.k3[i] AS k3, x.k4[i] AS k4,
		    x.fc[i] AS fc, x.pr[i] AS pr
		FROM raw x, generate_series(1, 31) i
		UNION ALL
		SELECT -1, x.month, x.channel, x.campaign, x.member, i,
		    -x.ev[i], -x.sig_n[i], -x.sig_sum[i], -x.k1[i], -x.k2[i],
		    -x.k3[i], -x.k4[i], -x.fc[i], -x.pr[i]
		FROM stored x, generate_series(1, 31) i
	), per_slot AS (
		SELECT s.month, s.channel, s.campaign, s.member,
		    bool_or(s.side > 0) AS in_raw, bool_or(s.side < 0) AS in_stored,
		    sum(s.ev) <> 0 OR sum(s.sig_n) <> 0
			OR abs(sum(s.sig_sum)) > 1e-9 OR sum(s.k1) <> 0
			OR sum(s.k2) <> 0 OR sum(s.k3) <> 0 OR sum(s.k4) <> 0
			OR sum(s.fc) <> 0 OR sum(s.pr) <> 0 AS off
		FROM slots s
		GROUP BY s.month, s.channel, s.campaign, s.member, s.i
	), diff AS (
		SELECT CASE WHEN NOT bool_or(p.in_stored) THEN 'missing'
		    WHEN NOT bool_or(p.in_raw) THEN 'extra' ELSE 'differs' END
		    AS side, p.month, p.channel, p.campaign, p.member
		FROM per_slot p
		GROUP BY p.month, p.channel, p.campaign, p.member
		HAVING bool_or(p.off)
	)
	SELECT jsonb_agg(to_jsonb(diff)) INTO month_diff FROM diff;

	channel_diff := amp.check_channels(p_org);
	RETURN jsonb_build_object('consistent', day_diff IS NULL
	    AND month_diff IS NULL AND channel_diff = '[]',
	    'day_stats', coalesce(day_diff, '[]'),
	    'member_months', coalesce(month_diff, '[]'),
	    'channel_stats', channel_diff);
END
$$;

-- Derives an org's rollups afresh from its raw events, one local day of
-- events at a time through the same rollup_apply as ingestion, then
-- folds them: for bulk loads that bypass the API (COPY), for operators
-- after a repair, and when the org's zone changes (amp.put_settings). The
-- caller holds the org's ZONE lock exclusively or no ingestion runs.
--   SELECT amp.rebuild_rollups('org');
CREATE OR REPLACE FUNCTION amp.rebuild_rollups(p_org text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	zone text;
	first date;
	last date;
	d date;
BEGIN
	-- No fold of the org may move old-zone tallies meanwhile.
	PERFORM pg_advisory_xact_lock(7245014, hashtext(p_org));
	PERFORM amp.tenant(p_org);
	zone := amp.org_zone(p_org);
	DELETE FROM amp.day_stats WHERE org_id = p_org;
	DELETE FROM amp.member_months WHERE org_id = p_org;
	DELETE FROM amp.member_log_batch WHERE org_id = p_org;
	SELECT amp.day_floor(min(occurred_at), zone),
	    amp.day_floor(max(occurred_at), zone)
	INTO first, last FROM amp.events WHERE org_id = p_org;
	FOR d IN SELECT g::date FROM generate_series(first, last,
	    interval '1 day') g LOOP
		PERFORM amp.rollup_apply(p_org, ARRAY(SELECT ROW(e.*)::amp.events
		    FROM amp.events e
		    WHERE e.org_id = p_org
		    AND e.occurred_at >= amp.day_start(d, zone)
		    AND e.occurred_at < amp.day_start(d + 1, zone)), 1);
	END LOOP;
	PERFORM amp.fold_member_log(p_org, NULL);
	PERFORM amp.rebuild_channels(p_org);
END
$$;
