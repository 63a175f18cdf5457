-- Indicators: rollups kept exact inside the ingest statement, so reads cost
-- what the window costs, not what the stored history costs.
--
-- day_stats: per org, UTC day, channel and campaign ('' = none), the counts
-- autonomy, purpose, extrinsic pressure and the free-choice rate rest on.
--
-- member_months: per org, member, UTC month, channel and campaign (and one
-- row of all channels and campaigns together, channel = campaign = '', so
-- an unfiltered read takes one row per member and month), arrays of
-- 31 running totals (day 1..d of the month) of events, competence-signalled
-- events, the signal sum, events of each depth, free-choice events and
-- active events under pressure (for crowding-out). Any span of days inside
-- a month is then two subscripts, so splitting a window into halves for
-- mastery reads a handful of rows per member, however dense the data.
--
-- member_log: ingestion does not rewrite member_months rows itself (that is
-- most of an ingest's cost); it appends one small row per member, day,
-- channel and campaign that its batch touched, in the same transaction as
-- the events. A compactor (amp.compact_rollups, run every second by one
-- worker) folds the log into member_months, many batches' rows per member
-- month at once. Every read takes member_months plus the log rows not yet
-- folded (amp.member_rollup), so reads are exact at every instant.

CREATE TABLE amp.day_stats (
	org_id		text NOT NULL,
	day		date NOT NULL,
	channel		text NOT NULL,
	campaign	text NOT NULL,
	events		bigint NOT NULL DEFAULT 0,
	active		bigint NOT NULL DEFAULT 0,
	active_self	bigint NOT NULL DEFAULT 0,
	active_pressure	bigint NOT NULL DEFAULT 0,
	contrib		bigint NOT NULL DEFAULT 0,
	contrib_giving	bigint NOT NULL DEFAULT 0,
	free_choice	bigint NOT NULL DEFAULT 0,
	PRIMARY KEY (org_id, day, channel, campaign)
) WITH (fillfactor = 70);
CREATE INDEX day_stats_campaign ON amp.day_stats (org_id, campaign, day)
    WHERE campaign <> '';

CREATE TABLE amp.member_months (
	org_id		text NOT NULL,
	month		date NOT NULL,
	channel		text NOT NULL,
	campaign	text NOT NULL,
	member		text NOT NULL,
	ev		int[] NOT NULL,
	sig_n		int[] NOT NULL,
	sig_sum		float8[] NOT NULL,
	k1		int[] NOT NULL,	-- consume
	k2		int[] NOT NULL,	-- react
	k3		int[] NOT NULL,	-- create
	k4		int[] NOT NULL,	-- contribute
	fc		int[] NOT NULL,	-- free-choice events
	pr		int[] NOT NULL,	-- active events under pressure
	PRIMARY KEY (org_id, channel, month, campaign, member)
) PARTITION BY LIST (channel);
-- The all-channels rows apart: an unfiltered read's rows sit together in a
-- small table that stays in memory, whatever the volume of the others.
CREATE TABLE amp.member_months_all PARTITION OF amp.member_months
    FOR VALUES IN ('') WITH (fillfactor = 90);
CREATE TABLE amp.member_months_channels PARTITION OF amp.member_months
    DEFAULT WITH (fillfactor = 90);
CREATE INDEX member_months_campaign ON amp.member_months
    (org_id, campaign, month) WHERE campaign <> '';

CREATE TABLE amp.member_log (
	org_id		text NOT NULL,
	day		date NOT NULL,
	channel		text NOT NULL,
	campaign	text NOT NULL,
	member		text NOT NULL,
	ev		int NOT NULL,
	sig_n		int NOT NULL,
	sig_sum		float8 NOT NULL,
	k1		int NOT NULL,
	k2		int NOT NULL,
	k3		int NOT NULL,
	k4		int NOT NULL,
	fc		int NOT NULL,
	pr		int NOT NULL,
	-- Folding order: an index scan from the oldest skips the dead rows
	-- that earlier folds left, which a sequential scan would wade through.
	seq		bigserial NOT NULL
);
CREATE INDEX member_log_day ON amp.member_log (org_id, day);
CREATE INDEX member_log_seq ON amp.member_log (seq);
-- Every row is deleted within seconds of its insertion: vacuum it often,
-- whatever its (small) size.
ALTER TABLE amp.member_log SET (autovacuum_vacuum_scale_factor = 0,
    autovacuum_vacuum_threshold = 10000, autovacuum_vacuum_cost_delay = 0);

SELECT amp.tenant_table(t)
FROM unnest(ARRAY['day_stats', 'member_months', 'member_log']) t;
GRANT USAGE ON SEQUENCE amp.member_log_seq_seq TO amp_app;

-- Element-wise sum of two running-total arrays, spelled out element by
-- element: PostgreSQL inlines it, some ten times faster than unnest().
DO $gen$
DECLARE
	adds text;
BEGIN
	SELECT 'SELECT ARRAY[' || string_agg(format('a[%s] + b[%s]', i, i), ', ')
	    || ']' INTO adds FROM generate_series(1, 31) i;
	EXECUTE format('CREATE FUNCTION amp.vadd(a int[], b int[]) RETURNS int[] '
	    'LANGUAGE sql IMMUTABLE PARALLEL SAFE AS %L', adds);
	EXECUTE format('CREATE FUNCTION amp.vadd(a float8[], b float8[]) '
	    'RETURNS float8[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS %L', adds);
END
$gen$;

-- The total of a running-total array over the days of [h0, h1) that fall in
-- the month starting at m.
CREATE FUNCTION amp.span(a anyarray, m date, h0 date, h1 date) RETURNS float8
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT CASE WHEN least(h1 - m, 31) < greatest(h0 - m, 0) + 1 THEN 0
	    ELSE (a[least(h1 - m, 31)])::float8
		- coalesce(a[greatest(h0 - m, 0)], 0)::float8 END
$$;

CREATE FUNCTION amp.depth(kind text) RETURNS int
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT CASE kind WHEN 'consume' THEN 1 WHEN 'react' THEN 2
	    WHEN 'create' THEN 3 WHEN 'contribute' THEN 4 ELSE 0 END
$$;

-- The competence signal: quality, else (level - 1) / 4, else none.
CREATE FUNCTION amp.signal(quality float8, level smallint) RETURNS float8
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT coalesce(quality, (level - 1) / 4.0)
$$;

-- Rollup deltas of a set of events: what they add to (sign 1) or, erased,
-- take from (sign -1) the rollups. Ingestion, erasure and the consistency check all use
-- these two functions, so the rollups have one definition.
CREATE FUNCTION amp.day_deltas(p amp.events[]) RETURNS TABLE (day date,
    channel text, campaign text, events bigint, active bigint,
    active_self bigint, active_pressure bigint, contrib bigint,
    contrib_giving bigint, free_choice bigint)
LANGUAGE sql IMMUTABLE AS $$
	SELECT (e.occurred_at AT TIME ZONE 'UTC')::date, e.channel,
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

-- The member-level tallies of a set of events, one row per member, UTC
-- day, channel and campaign, with a sign: what ingestion appends to the log
-- (1) and erasure takes away (-1).
CREATE FUNCTION amp.log_deltas(p_org text, p amp.events[], p_sign int)
RETURNS SETOF amp.member_log
LANGUAGE sql IMMUTABLE AS $$
	SELECT p_org, (e.occurred_at AT TIME ZONE 'UTC')::date, e.channel,
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
		OR e.rewarded)))::int,
	    0::bigint
	FROM unnest(p) AS e
	GROUP BY 2, 3, 4, 5
$$;

-- Concatenation of arrays, as an aggregate (array_cat is built in).
CREATE AGGREGATE amp.cat(anycompatiblearray) (
	SFUNC = array_cat,
	STYPE = anycompatiblearray
);

-- One stretch of a running-total array: the total c reached on day d holds
-- until the next day with a tally (next_d), after zeros on the first.
CREATE FUNCTION amp.segment(first boolean, d int, next_d int, c anyelement)
RETURNS anyarray
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT array_fill(c - c, ARRAY[CASE WHEN first THEN d - 1 ELSE 0 END])
	    || array_fill(c, ARRAY[next_d - d])
$$;

-- A set of day tallies (log rows) as month rows of running totals: per
-- member month, the running sums over its days (a window sum), each held
-- until the next day with a tally, concatenated. Only built-in C functions
-- per row, so folding a large log stays cheap.
CREATE FUNCTION amp.month_running(p amp.member_log[])
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
	INSERT INTO amp.member_log (org_id, day, channel, campaign, member, ev,
	    sig_n, sig_sum, k1, k2, k3, k4, fc, pr)
	SELECT org_id, day, channel, campaign, member, ev, sig_n, sig_sum, k1,
	    k2, k3, k4, fc, pr
	FROM amp.log_deltas(p_org, p, p_sign);

	IF p_sign < 0 THEN
		DELETE FROM amp.day_stats d
		WHERE d.org_id = p_org AND d.events = 0;
	END IF;
END
$$;

-- Log rows plus, for each, its share of the member's all-channels row.
CREATE FUNCTION amp.with_totals(p amp.member_log[]) RETURNS amp.member_log[]
LANGUAGE sql IMMUTABLE AS $$
	SELECT p || ARRAY(SELECT ROW(l.org_id, l.day, '', '', l.member, l.ev,
	    l.sig_n, l.sig_sum, l.k1, l.k2, l.k3, l.k4, l.fc, l.pr,
	    l.seq)::amp.member_log FROM unnest(p) l)
$$;

-- Folds up to p_limit log rows (all when NULL) into member_months and
-- returns how many it folded (0 when another compaction is running). Safe
-- beside ingestion and reads: the rows it takes move in one statement. It
-- works across orgs, as maintenance, so it runs as the owner of the tables.
CREATE FUNCTION amp.compact_rollups(p_limit int DEFAULT 20000) RETURNS int
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, amp SET work_mem = '64MB' AS $$
DECLARE
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
		DELETE FROM amp.member_log l
		WHERE l.ctid = ANY (ARRAY(SELECT x.ctid FROM amp.member_log x
		    ORDER BY x.seq LIMIT p_limit FOR UPDATE SKIP LOCKED))
		RETURNING l.*
	)
	SELECT array_agg(ROW(t.*)::amp.member_log) INTO taken FROM t;
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
	RETURN cardinality(taken);
END
$$;
REVOKE EXECUTE ON FUNCTION amp.compact_rollups(int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION amp.compact_rollups(int) TO amp_app;

-- An org's member rollup rows for the months that meet [p_from, p_to):
-- member_months plus the log rows not yet folded in. Sums over several
-- rows of one member are what every reader takes, so the two add up. A
-- reader takes either the all-channels rows (channel '') or the others.
CREATE FUNCTION amp.member_rollup(p_org text, p_from date, p_to date)
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
	    FROM amp.member_log l WHERE l.org_id = p_org
	    AND l.day >= date_trunc('month', p_from)::date
	    AND l.day < p_to))) r
$$;

-- Window bounds for indicator reads: UTC days covering the instants asked.
CREATE FUNCTION amp.day_floor(p timestamptz) RETURNS date
LANGUAGE sql IMMUTABLE AS $$
	SELECT (p AT TIME ZONE 'UTC')::date
$$;
CREATE FUNCTION amp.day_ceil(p timestamptz) RETURNS date
LANGUAGE sql IMMUTABLE AS $$
	SELECT ((p - interval '1 microsecond') AT TIME ZONE 'UTC')::date + 1
$$;
CREATE FUNCTION amp.day_ts(p date) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
	SELECT to_char(p, 'YYYY-MM-DD') || 'T00:00:00Z'
$$;

-- Everything the indicator formulas need for one window [p_from, p_to):
-- counts from day_stats, the mastery tallies from member_months, and each
-- KPI's observations. The formulas themselves live in src/core.
CREATE FUNCTION amp.window_data(p_org text, p_from date, p_to date,
    p_channel text, p_campaign text) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
DECLARE
	counts jsonb;
	mastery jsonb;
	kpis jsonb;
	mid date := p_from + (p_to - p_from) / 2;
BEGIN
	SELECT jsonb_build_object('events', coalesce(sum(d.events), 0),
	    'active', coalesce(sum(d.active), 0),
	    'active_self', coalesce(sum(d.active_self), 0),
	    'active_pressure', coalesce(sum(d.active_pressure), 0),
	    'contributions', coalesce(sum(d.contrib), 0),
	    'contributions_giving', coalesce(sum(d.contrib_giving), 0),
	    'free_choice', coalesce(sum(d.free_choice), 0))
	INTO counts
	FROM amp.day_stats d
	WHERE d.org_id = p_org AND d.day >= p_from AND d.day < p_to
	    AND (p_channel IS NULL OR d.channel = p_channel)
	    AND (p_campaign IS NULL OR d.campaign = p_campaign);

	IF mid > p_from THEN
		WITH per AS (
			SELECT m.member,
			    sum(amp.span(m.ev, m.month, p_from, mid)) AS e1,
			    sum(amp.span(m.ev, m.month, mid, p_to)) AS e2,
			    sum(amp.span(m.sig_n, m.month, p_from, mid)) AS n1,
			    sum(amp.span(m.sig_n, m.month, mid, p_to)) AS n2,
			    sum(amp.span(m.sig_sum, m.month, p_from, mid)) AS s1,
			    sum(amp.span(m.sig_sum, m.month, mid, p_to)) AS s2,
			    sum(amp.span(m.k1, m.month, p_from, mid)) AS a1,
			    sum(amp.span(m.k1, m.month, mid, p_to)) AS a2,
			    sum(amp.span(m.k2, m.month, p_from, mid)) AS b1,
			    sum(amp.span(m.k2, m.month, mid, p_to)) AS b2,
			    sum(amp.span(m.k3, m.month, p_from, mid)) AS c1,
			    sum(amp.span(m.k3, m.month, mid, p_to)) AS c2,
			    sum(amp.span(m.k4, m.month, p_from, mid)) AS d1,
			    sum(amp.span(m.k4, m.month, mid, p_to)) AS d2
			FROM amp.member_rollup(p_org, p_from, p_to) m
			WHERE CASE WHEN p_channel IS NULL AND p_campaign IS NULL
				THEN m.channel = ''
			    ELSE m.channel <> ''
				AND (p_channel IS NULL OR m.channel = p_channel)
				AND (p_campaign IS NULL OR m.campaign = p_campaign) END
			GROUP BY m.member
		), depth AS (
			SELECT per.*,
			    CASE WHEN d1 > 0 THEN 4 WHEN c1 > 0 THEN 3 WHEN b1 > 0
				THEN 2 WHEN a1 > 0 THEN 1 ELSE 0 END AS deep1,
			    CASE WHEN d2 > 0 THEN 4 WHEN c2 > 0 THEN 3 WHEN b2 > 0
				THEN 2 WHEN a2 > 0 THEN 1 ELSE 0 END AS deep2
			FROM per
		)
		-- "More than 0.05" with a 1e-9 allowance: signal sums are
		-- differences of float running totals, and a growth of exactly
		-- 0.05 (levels 3,3,3,3,4 after 3,3,3,3,3) must not count because
		-- 0.55 - 0.5 comes out as 0.05000000000000004.
		SELECT jsonb_build_object(
		    'quality_members', count(*) FILTER (WHERE n1 >= 2 AND n2 >= 2),
		    'quality_improved', count(*) FILTER (WHERE n1 >= 2 AND n2 >= 2
			AND s2 / n2 - s1 / n1 > 0.05 + 1e-9),
		    'ladder_members', count(*) FILTER (WHERE e1 >= 1 AND e2 >= 1),
		    'ladder_climbed', count(*) FILTER (WHERE e1 >= 1 AND e2 >= 1
			AND deep2 > deep1))
		INTO mastery FROM depth;
	ELSE
		mastery := jsonb_build_object('quality_members', 0,
		    'quality_improved', 0, 'ladder_members', 0, 'ladder_climbed', 0);
	END IF;

	SELECT coalesce(jsonb_agg(jsonb_build_object('metric', k.metric,
	    'name', k.name, 'target', k.target, 'period', k.period,
	    'direction', k.direction, 'actual', coalesce(r.actual, 0),
	    'observations', coalesce(r.n, 0)) ORDER BY k.metric), '[]')
	INTO kpis
	FROM amp.kpis k
	LEFT JOIN LATERAL (
		SELECT sum(x.value) AS actual, count(*) AS n FROM amp.results x
		WHERE x.org_id = p_org AND x.metric = k.metric
		    AND x.observed_at >= p_from::timestamp AT TIME ZONE 'UTC'
		    AND x.observed_at < p_to::timestamp AT TIME ZONE 'UTC'
	) r ON true
	WHERE k.org_id = p_org;

	RETURN jsonb_build_object('from', amp.day_ts(p_from),
	    'to', amp.day_ts(p_to), 'days', p_to - p_from,
	    'counts', counts, 'mastery', mastery, 'kpis', kpis);
END
$$;

CREATE FUNCTION amp.unknown_campaign_filter(p_org text, p_campaign text)
RETURNS boolean
LANGUAGE sql STABLE AS $$
	SELECT p_campaign IS NOT NULL AND NOT EXISTS (SELECT 1 FROM amp.campaigns c
	    WHERE c.org_id = p_org AND c.id = p_campaign)
$$;

CREATE FUNCTION amp.filter_problem(p_param text, p_detail text) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
	SELECT amp.problem(400, 'bad-request', 'Bad Request', p_param || ' ' ||
	    p_detail, jsonb_build_array(jsonb_build_object('parameter', p_param,
	    'detail', p_detail)))
$$;

CREATE FUNCTION amp.indicators(p_org text, p_channel text, p_campaign text,
    p_from timestamptz, p_to timestamptz)
RETURNS TABLE (status int, body jsonb)
LANGUAGE plpgsql STABLE AS $$
BEGIN
	PERFORM amp.tenant(p_org);
	IF amp.unknown_campaign_filter(p_org, p_campaign) THEN
		RETURN QUERY SELECT 400, amp.filter_problem('campaign',
		    'names no existing campaign');
		RETURN;
	END IF;
	RETURN QUERY SELECT 200, amp.window_data(p_org, amp.day_floor(p_from),
	    amp.day_ceil(p_to), p_channel, p_campaign)
	    || jsonb_build_object('channel', p_channel, 'campaign', p_campaign);
END
$$;

CREATE FUNCTION amp.indicator_series(p_org text, p_interval text,
    p_channel text, p_campaign text, p_from timestamptz, p_to timestamptz)
RETURNS TABLE (status int, body jsonb)
LANGUAGE plpgsql STABLE AS $$
DECLARE
	f date := amp.day_floor(p_from);
	t date := amp.day_ceil(p_to);
	unit text := coalesce(p_interval, 'day');
	n int;
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
	SELECT count(*) INTO n FROM generate_series(
	    date_trunc(unit, f::timestamp), t::timestamp - interval '1 day',
	    ('1 ' || unit)::interval) g;
	IF n > 400 THEN
		RETURN QUERY SELECT 400, amp.filter_problem('interval',
		    'gives more than 400 buckets for this window');
		RETURN;
	END IF;
	-- Buckets are UTC days, ISO weeks (Monday) or months, clipped to the
	-- window.
	RETURN QUERY SELECT 200, jsonb_build_object('interval', unit,
	    'channel', p_channel, 'campaign', p_campaign,
	    'from', amp.day_ts(f), 'to', amp.day_ts(t),
	    'buckets', coalesce(jsonb_agg(amp.window_data(p_org,
		greatest(g::date, f), least((g + ('1 ' || unit)::interval)::date, t),
		p_channel, p_campaign) ORDER BY g), '[]'))
	FROM generate_series(date_trunc(unit, f::timestamp),
	    t::timestamp - interval '1 day', ('1 ' || unit)::interval) g;
END
$$;

-- Members ---------------------------------------------------------------

-- One member's engagement profile, read from that member's events (the
-- member index bounds it to one person's history).
CREATE FUNCTION amp.member_profile(p_org text, p_member text)
RETURNS TABLE (status int, body jsonb)
LANGUAGE plpgsql STABLE AS $$
DECLARE
	doc jsonb;
BEGIN
	PERFORM amp.tenant(p_org);
	WITH e AS (
		SELECT * FROM amp.events x
		WHERE x.org_id = p_org AND x.member = p_member
	), totals AS (
		SELECT min(occurred_at) AS first_seen, max(occurred_at) AS last_seen,
		    count(*) AS events,
		    count(*) FILTER (WHERE kind IN ('react', 'create', 'contribute'))
			AS active,
		    count(*) FILTER (WHERE kind IN ('react', 'create', 'contribute')
			AND initiative = 'self' AND NOT rewarded AND campaign IS NULL)
			AS free_choice
		FROM e
	), months AS (
		SELECT to_char(date_trunc('month', occurred_at AT TIME ZONE 'UTC'),
			'YYYY-MM') AS month,
		    count(*) AS events, max(amp.depth(kind)) AS deepest,
		    avg(amp.signal(quality, level)) AS competence,
		    count(amp.signal(quality, level)) AS signalled
		FROM e GROUP BY 1
	)
	SELECT jsonb_build_object(
	    'member', p_member,
	    'first_seen', amp.ts(t.first_seen), 'last_seen', amp.ts(t.last_seen),
	    'events', t.events, 'active', t.active,
	    'free_choice', t.free_choice,
	    'free_choice_share', CASE WHEN t.active > 0
		THEN round(t.free_choice::numeric / t.active, 6) END,
	    'by_kind', (SELECT jsonb_object_agg(k, (SELECT count(*) FROM e
		WHERE e.kind = k)) FROM unnest(ARRAY['consume', 'react', 'create',
		'contribute', 'convert']) k),
	    'by_channel', (SELECT coalesce(jsonb_object_agg(channel, n), '{}')
		FROM (SELECT channel, count(*) AS n FROM e GROUP BY 1) c),
	    'campaigns', (SELECT coalesce(jsonb_agg(DISTINCT campaign), '[]')
		FROM e WHERE campaign IS NOT NULL),
	    'trajectory', (SELECT jsonb_agg(jsonb_build_object('month', month,
		'events', events,
		'deepest_kind', CASE deepest WHEN 1 THEN 'consume'
		    WHEN 2 THEN 'react' WHEN 3 THEN 'create'
		    WHEN 4 THEN 'contribute' ELSE 'convert' END,
		'competence', round(competence::numeric, 6),
		'signalled', signalled) ORDER BY month) FROM months),
	    'competence_trend', (SELECT CASE WHEN count(*) >= 2 THEN
		round(((array_agg(competence ORDER BY month DESC))[1]
		- (array_agg(competence ORDER BY month))[1])::numeric, 6) END
		FROM months WHERE competence IS NOT NULL))
	INTO doc
	FROM totals t WHERE t.events > 0;

	IF doc IS NULL THEN
		RETURN QUERY SELECT 404, amp.not_found('member ' || p_member);
	ELSE
		RETURN QUERY SELECT 200, doc;
	END IF;
END
$$;

-- Erasure: the member's events and every aggregate built from them go in
-- one transaction; afterwards every read is as if they were never recorded.
CREATE FUNCTION amp.erase_member(p_org text, p_member text)
RETURNS TABLE (status int, body jsonb)
LANGUAGE plpgsql AS $$
DECLARE
	gone amp.events[];
BEGIN
	PERFORM amp.tenant(p_org);
	WITH del AS (
		DELETE FROM amp.events e
		WHERE e.org_id = p_org AND e.member = p_member
		RETURNING *
	)
	SELECT array_agg(ROW(d.*)::amp.events) INTO gone FROM del d;
	PERFORM amp.rollup_apply(p_org, gone, -1);
	PERFORM amp.erase_member_hook(p_org, p_member);
	RETURN QUERY SELECT 204, '{}'::jsonb;
END
$$;

-- Later features that keep personal data (surveys) extend this.
CREATE FUNCTION amp.erase_member_hook(p_org text, p_member text) RETURNS void
LANGUAGE sql AS $$ SELECT $$;

-- Consistency check: rebuilds every rollup row of an org from its raw
-- events and lists the rows where the stored rollups differ (none when
-- consistent). For the tests and for operators:
--   SELECT amp.check_rollups('org');
CREATE FUNCTION amp.check_rollups(p_org text) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	day_diff jsonb;
	month_diff jsonb;
BEGIN
	PERFORM amp.compact_rollups(NULL);
	PERFORM amp.tenant(p_org);
	WITH raw AS (
		SELECT x.day, x.channel, x.campaign, sum(x.events) AS events,
		    sum(x.active) AS active, sum(x.active_self) AS active_self,
		    sum(x.active_pressure) AS active_pressure,
		    sum(x.contrib) AS contrib, sum(x.contrib_giving) AS contrib_giving,
		    sum(x.free_choice) AS free_choice
		FROM (SELECT DISTINCT member FROM amp.events
		    WHERE org_id = p_org) m,
		    LATERAL amp.day_deltas(ARRAY(SELECT e FROM amp.events e
			WHERE e.org_id = p_org AND e.member = m.member)) x
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

	WITH raw AS (
		SELECT x.month, x.channel, x.campaign, x.member, x.ev, x.sig_n,
		    x.sig_sum, x.k1, x.k2, x.k3, x.k4, x.fc, x.pr
		FROM (SELECT DISTINCT member FROM amp.events
		    WHERE org_id = p_org) m,
		    LATERAL amp.month_running(amp.with_totals(ARRAY(SELECT
			amp.log_deltas(p_org, ARRAY(SELECT e FROM amp.events e
			WHERE e.org_id = p_org AND e.member = m.member), 1)))) x
	), stored AS (
		SELECT month, channel, campaign, member, ev, sig_n, sig_sum, k1, k2,
		    k3, k4, fc, pr
		FROM amp.member_months WHERE org_id = p_org
	), diff AS (
		(SELECT 'missing' AS side, r.month, r.channel, r.campaign, r.member
		 FROM raw r LEFT JOIN stored s USING (month, channel, campaign, member)
		 WHERE s.member IS NULL
		    OR (r.ev, r.sig_n, r.k1, r.k2, r.k3, r.k4, r.fc, r.pr)
		    IS DISTINCT FROM (s.ev, s.sig_n, s.k1, s.k2, s.k3, s.k4, s.fc, s.pr)
		    OR EXISTS (SELECT 1 FROM unnest(r.sig_sum, s.sig_sum) u(a, b)
			WHERE abs(a - b) > 1e-9))
		UNION ALL
		(SELECT 'extra', s.month, s.channel, s.campaign, s.member
		 FROM stored s LEFT JOIN raw r USING (month, channel, campaign, member)
		 WHERE r.member IS NULL)
	)
	SELECT jsonb_agg(to_jsonb(diff)) INTO month_diff FROM diff;

	RETURN jsonb_build_object('consistent', day_diff IS NULL
	    AND month_diff IS NULL, 'day_stats', coalesce(day_diff, '[]'),
	    'member_months', coalesce(month_diff, '[]'));
END
$$;

-- Rebuilds an org's rollups from its raw events, one UTC day of events at a
-- time through the same rollup_apply as ingestion: for bulk loads that
-- bypass the API (COPY), and for operators after a repair.
--   SELECT amp.rebuild_rollups('org');
CREATE FUNCTION amp.rebuild_rollups(p_org text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	first date;
	last date;
	d date;
BEGIN
	PERFORM amp.tenant(p_org);
	DELETE FROM amp.day_stats WHERE org_id = p_org;
	DELETE FROM amp.member_months WHERE org_id = p_org;
	DELETE FROM amp.member_log WHERE org_id = p_org;
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

GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA amp TO amp_app;
