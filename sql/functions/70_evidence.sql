-- Evidence: crowding-out analysis of campaigns and beliefs tested against
-- the data. SQL gathers per-member and per-day figures from the rollups
-- and the events; the statistics (difference in differences, bootstrap,
-- Welch) are pure C in src/core (evidence.c, stats.c).

-- Campaign impact --------------------------------------------------------

-- The members of the exposed group T (events attributed to the campaign
-- while it ran) and of the comparison group C (active in the pre window,
-- no event attributed to the campaign from the pre to the post window),
-- as named columns with one value per member, in member order:
-- free-choice events per day before and after, and for T what the lift
-- (active events per day before and during) and the incentivized share
-- (active events under pressure, active events, during) rest on.
CREATE OR REPLACE FUNCTION amp.campaign_impact(p_org text, p_id text,
    p_window text)
RETURNS TABLE (status int, body jsonb)
LANGUAGE plpgsql STABLE AS $$
DECLARE
	c amp.campaigns;
	s date;
	e date;
	lw int;
	zone text;
	today date;
	doc jsonb;
BEGIN
	PERFORM amp.tenant(p_org);
	-- The windows are the org's local days.
	zone := amp.org_zone(p_org);
	today := amp.day_floor(now(), zone);
	SELECT * INTO c FROM amp.campaigns x WHERE x.org_id = p_org AND x.id = p_id;
	IF NOT FOUND THEN
		RETURN QUERY SELECT 404, amp.not_found('campaign ' || p_id);
		RETURN;
	END IF;
	IF p_window IS NULL THEN
		NULL;
	ELSIF p_window !~ '^[0-9]{1,3}$' THEN
		RETURN QUERY SELECT 400, amp.filter_problem('window_days',
		    'must be a whole number from 1 to 180');
		RETURN;
	ELSIF p_window::int NOT BETWEEN 1 AND 180 THEN
		RETURN QUERY SELECT 400, amp.filter_problem('window_days',
		    'must be a whole number from 1 to 180');
		RETURN;
	END IF;

	s := amp.day_floor(c.starts_at, zone);
	e := CASE WHEN c.ends_at IS NULL THEN greatest(today, s + 1)
	    ELSE amp.day_ceil(c.ends_at, zone) END;
	lw := coalesce(p_window::int, least(e - s, 28));

	-- Counts as float8: the rates below divide them by days. The
	-- events of local days [s - lw, e + lw), each as a day before s, from
	-- s to e, or from e.
	WITH ev AS (
		SELECT r.member, r.campaign,
		    r.occurred_at < amp.day_start(s, zone) AS pre,
		    r.occurred_at >= amp.day_start(e, zone) AS post,
		    r.kind IN ('react', 'create', 'contribute') AS active,
		    r.initiative, r.rewarded
		FROM amp.events r
		WHERE r.org_id = p_org
		    AND r.occurred_at >= amp.day_start(s - lw, zone)
		    AND r.occurred_at < amp.day_start(e + lw, zone)
	), per AS (
		SELECT r.member,
		    count(*) FILTER (WHERE r.campaign = p_id AND NOT r.pre
			AND NOT r.post) AS attributed,
		    count(*) FILTER (WHERE r.campaign = p_id) AS attributed_ever,
		    count(*) FILTER (WHERE r.active AND r.pre)::float8
			AS active_pre,
		    count(*) FILTER (WHERE r.active AND NOT r.pre
			AND NOT r.post)::float8 AS active_during,
		    count(*) FILTER (WHERE r.active AND NOT r.pre AND NOT r.post
			AND (r.initiative = 'incentivized' OR r.rewarded))::float8
			AS pressure_during,
		    count(*) FILTER (WHERE r.active AND r.pre
			AND r.initiative = 'self' AND NOT r.rewarded
			AND r.campaign IS NULL)::float8 AS fc_pre,
		    count(*) FILTER (WHERE r.active AND r.post
			AND r.initiative = 'self' AND NOT r.rewarded
			AND r.campaign IS NULL)::float8 AS fc_post
		FROM ev r
		GROUP BY r.member
	), grouped AS (
		SELECT *, CASE WHEN coalesce(attributed, 0) > 0 THEN 'T'
		    WHEN active_pre > 0 AND coalesce(attributed_ever, 0) = 0
		    THEN 'C' END AS g
		FROM per
	)
	SELECT jsonb_build_object(
	    'campaign', amp.campaign_json(c),
	    'seed', p_org || '/' || p_id,
	    'window_days', lw,
	    'timezone', zone,
	    'pre', jsonb_build_object('from', amp.day_ts(s - lw, zone),
		'to', amp.day_ts(s, zone)),
	    'during', jsonb_build_object('from', amp.day_ts(s, zone),
		'to', amp.day_ts(e, zone), 'days', e - s),
	    'post', jsonb_build_object('from', amp.day_ts(e, zone),
		'to', amp.day_ts(e + lw, zone)),
	    'post_complete', c.ends_at IS NOT NULL AND e + lw <= today,
	    'exposed', jsonb_build_object(
		'free_choice_pre_per_day', coalesce(jsonb_agg(fc_pre / lw
		    ORDER BY member) FILTER (WHERE g = 'T'), '[]'),
		'free_choice_post_per_day', coalesce(jsonb_agg(fc_post / lw
		    ORDER BY member) FILTER (WHERE g = 'T'), '[]'),
		'active_pre_per_day', coalesce(jsonb_agg(active_pre / lw
		    ORDER BY member) FILTER (WHERE g = 'T'), '[]'),
		'active_during_per_day', coalesce(jsonb_agg(active_during
		    / (e - s) ORDER BY member) FILTER (WHERE g = 'T'), '[]'),
		'pressure_during', coalesce(jsonb_agg(pressure_during
		    ORDER BY member) FILTER (WHERE g = 'T'), '[]'),
		'active_during', coalesce(jsonb_agg(active_during
		    ORDER BY member) FILTER (WHERE g = 'T'), '[]')),
	    'comparison', jsonb_build_object(
		'free_choice_pre_per_day', coalesce(jsonb_agg(fc_pre / lw
		    ORDER BY member) FILTER (WHERE g = 'C'), '[]'),
		'free_choice_post_per_day', coalesce(jsonb_agg(fc_post / lw
		    ORDER BY member) FILTER (WHERE g = 'C'), '[]')))
	INTO doc
	FROM grouped;

	RETURN QUERY SELECT 200, doc;
END
$$;

-- Beliefs ------------------------------------------------------------------

CREATE OR REPLACE FUNCTION amp.belief_json(b amp.beliefs) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT jsonb_build_object('id', b.id, 'statement', b.statement,
	    'indicator', b.indicator, 'at', amp.ts(b.at), 'campaign', b.campaign,
	    'expect', b.expect, 'window_days', b.window_days,
	    'channel', b.channel, 'created_at', amp.ts(b.created_at))
$$;

-- The days a belief's daily value is taken over, ending that day: mastery
-- compares two halves, so 14; every other indicator, the day itself.
CREATE OR REPLACE FUNCTION amp.belief_span(p_indicator text) RETURNS int
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT CASE WHEN p_indicator = 'mastery' THEN 14 ELSE 1 END
$$;

-- The beliefs' stamps (sql/migrations/014_belief_memo.sql), each with the
-- local days its stamp names: the change point and the end of the last
-- complete day, hi (today's figures are partial: they would pull a rate
-- or a comparison of halves down). A belief's days d run from its change
-- point less window_days to hi, each taken over [d - span + 1, d + 1)
-- (amp.belief_span). Every other part of the stamp only ever grows while
-- the generation holds (events and KPI observations are only added, and a
-- KPI's row version is new on each change), so an evaluation computed
-- after its stamp was taken and kept with it is never taken for newer
-- data.
CREATE OR REPLACE FUNCTION amp.belief_stamps(p_org text,
    p_page amp.beliefs[], p_zone text)
RETURNS TABLE (n int, at_day date, hi date, stamp text)
LANGUAGE plpgsql STABLE AS $$
DECLARE
	today date := amp.day_floor(now(), p_zone);
	starts jsonb := amp.read_campaign_starts(p_org, ARRAY(
	    SELECT b.campaign FROM unnest(p_page) b WHERE b.campaign IS NOT NULL));
	gen bigint := amp.read_generation(p_org);
	kpis text := amp.read_kpi_versions(p_org);
BEGIN
	RETURN QUERY
	WITH b AS MATERIALIZED (
		SELECT x.n, x.at_day, x.at_day - x.window_days - x.span + 1 AS lo,
		    least(x.at_day + x.window_days, today) AS hi
		FROM (SELECT o.n, (p_page[o.n]).window_days AS window_days,
			amp.belief_span((p_page[o.n]).indicator) AS span,
			amp.day_floor(coalesce((p_page[o.n]).at,
			    (starts ->> (p_page[o.n]).campaign)::timestamptz),
			    p_zone) AS at_day
		    FROM generate_subscripts(p_page, 1) o(n)) x
	), ev AS MATERIALIZED (
		SELECT d.day, sum(d.events) AS e
		FROM amp.read_days(p_org, (SELECT min(b.lo) FROM b),
		    (SELECT max(b.hi) FROM b), NULL, NULL) d
		GROUP BY 1
	), rs AS MATERIALIZED (
		SELECT r.day, sum(r.n) AS e
		FROM amp.read_results(p_org, (SELECT min(b.lo) FROM b),
		    (SELECT max(b.hi) FROM b), p_zone) r
		GROUP BY 1
	)
	SELECT b.n, b.at_day, b.hi, concat_ws(':', gen, p_zone, b.at_day, b.hi,
	    (SELECT coalesce(sum(ev.e), 0) FROM ev
		WHERE ev.day >= b.lo AND ev.day < b.hi),
	    (SELECT coalesce(sum(rs.e), 0) FROM rs
		WHERE rs.day >= b.lo AND rs.day < b.hi), kpis)
	FROM b;
END
$$;

-- Start instants of the campaigns p_ids, as {id: start}.
CREATE OR REPLACE FUNCTION amp.read_campaign_starts(p_org text,
    p_ids text[]) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
DECLARE
	doc jsonb;
BEGIN
	IF cardinality(p_ids) = 0 THEN
		RETURN '{}';
	END IF;
	SELECT jsonb_object_agg(c.id, c.starts_at) INTO doc
	FROM amp.campaigns c WHERE c.org_id = p_org AND c.id = ANY (p_ids);
	RETURN coalesce(doc, '{}');
END
$$;

-- Every KPI's row version (a new one on each change), digested.
CREATE OR REPLACE FUNCTION amp.read_kpi_versions(p_org text) RETURNS text
LANGUAGE plpgsql STABLE AS $$
DECLARE
	v text;
BEGIN
	SELECT md5(coalesce(string_agg(k.metric || '@' || k.xmin::text, ','
	    ORDER BY k.metric), '')) INTO v
	FROM amp.kpis k WHERE k.org_id = p_org;
	RETURN v;
END
$$;

-- The evaluations kept for the beliefs p_ids.
CREATE OR REPLACE FUNCTION amp.read_belief_memos(p_org text, p_ids text[])
RETURNS TABLE (belief text, stamp text, doc jsonb)
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN QUERY
	SELECT m.belief, m.stamp, m.doc FROM amp.belief_memo m
	WHERE m.org_id = p_org AND m.belief = ANY (p_ids);
END
$$;

-- The belief with the indicator's daily figures on the local days
-- [at_day - window_days, hi) (amp.belief_stamps). NULL when the mastery
-- of its days took longer than p_budget_ms (amp.windows_data): what was
-- computed is kept; ask again.
CREATE OR REPLACE FUNCTION amp.belief_data(p_org text, b amp.beliefs,
    at_day date, hi date, zone text, p_budget_ms int)
RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	span int := amp.belief_span(b.indicator);
	froms date[];
	tos date[];
	days jsonb;
BEGIN
	-- Day d's value is taken over [d - span + 1, d + 1).
	SELECT array_agg(g::date - span + 1 ORDER BY g),
	    array_agg(g::date + 1 ORDER BY g)
	INTO froms, tos
	FROM generate_series(at_day - b.window_days, hi - 1,
	    interval '1 day') g;
	-- A day is before the change point when it ends at or before it
	-- (src/core/evidence.c compares the two instants).
	days := amp.windows_data(p_org, froms, tos, b.channel, NULL, zone,
	    p_budget_ms);
	IF days IS NULL THEN
		RETURN NULL;
	END IF;
	RETURN amp.belief_json(b) || jsonb_build_object('change_point',
	    amp.day_ts(at_day, zone), 'timezone', zone, 'days', days);
END
$$;

-- For each belief of p_page, in order: {"kept": the evaluation} when the
-- one kept holds, else its data with its stamp (src/core/evidence.c
-- evaluates it, and the service keeps it: amp.keep_beliefs), or NULL when
-- its mastery took longer than p_budget_ms. The stamps are taken first:
-- the data read after them is as new as they are, or newer.
CREATE OR REPLACE FUNCTION amp.belief_answers(p_org text,
    p_page amp.beliefs[], p_budget_ms int)
RETURNS jsonb[]
LANGUAGE plpgsql AS $$
DECLARE
	zone text := amp.org_zone(p_org);
	s record;
	kept jsonb;
	answers jsonb[] := '{}';
BEGIN
	FOR s IN SELECT x.n, x.at_day, x.hi, x.stamp, m.doc AS kept_doc,
		m.stamp AS kept_stamp
	    FROM amp.belief_stamps(p_org, p_page, zone) x
	    LEFT JOIN amp.read_belief_memos(p_org, ARRAY(SELECT b.id
		FROM unnest(p_page) b)) m ON m.belief = (p_page[x.n]).id
	    ORDER BY x.n LOOP
		IF s.kept_stamp = s.stamp THEN
			kept := jsonb_build_object('kept', s.kept_doc);
		ELSE
			kept := amp.belief_data(p_org, p_page[s.n], s.at_day,
			    s.hi, zone, p_budget_ms)
			    || jsonb_build_object('stamp', s.stamp);
		END IF;
		answers := array_append(answers, kept);
	END LOOP;
	RETURN answers;
END
$$;

-- Keeps the evaluations the service made (src/core/evidence.c,
-- belief_keep): [{"belief", "stamp", "doc"}].
CREATE OR REPLACE FUNCTION amp.keep_beliefs(p_org text, p jsonb)
RETURNS TABLE (status int, body jsonb)
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM amp.tenant(p_org);
	INSERT INTO amp.belief_memo AS m (org_id, belief, stamp, doc)
	SELECT p_org, x->>'belief', x->>'stamp', x->'doc'
	FROM jsonb_array_elements(p) x
	WHERE EXISTS (SELECT 1 FROM amp.beliefs b
	    WHERE b.org_id = p_org AND b.id = x->>'belief')
	ON CONFLICT (org_id, belief) DO UPDATE
	    SET stamp = excluded.stamp, doc = excluded.doc;
	RETURN QUERY SELECT 200, '{}'::jsonb;
END
$$;

-- A new belief, stored once its evaluation is whole: 102 when the mastery
-- of its days took longer than p_budget_ms (amp.belief_data), with what
-- was computed kept and nothing else stored, so the statement the
-- service sends again (src/call.c) goes on from there and stores the
-- belief once, when it answers 201.
CREATE OR REPLACE FUNCTION amp.create_belief(p_org text, p jsonb,
    p_budget_ms int)
RETURNS TABLE (status int, body jsonb)
LANGUAGE plpgsql AS $$
DECLARE
	b amp.beliefs;
	doc jsonb;
BEGIN
	PERFORM amp.tenant(p_org);
	IF p ? 'campaign' AND NOT EXISTS (SELECT 1 FROM amp.campaigns c
	    WHERE c.org_id = p_org AND c.id = p->>'campaign') THEN
		RETURN QUERY SELECT 422, amp.unknown_refs(jsonb_build_array(
		    jsonb_build_object('pointer', '/campaign',
		    'detail', 'names no existing campaign')));
		RETURN;
	END IF;
	b.org_id := p_org;
	b.id := 'b-' || replace(gen_random_uuid()::text, '-', '');
	b.statement := p->>'statement';
	b.indicator := p->>'indicator';
	b.at := (p->>'at')::timestamptz;
	b.campaign := p->>'campaign';
	b.expect := p->>'expect';
	b.window_days := coalesce((p->>'window_days')::int, 28);
	b.channel := p->>'channel';
	b.created_at := now();
	doc := (amp.belief_answers(p_org, ARRAY[b], p_budget_ms))[1];
	IF doc IS NULL THEN
		RETURN QUERY SELECT 102, NULL::jsonb;
		RETURN;
	END IF;
	INSERT INTO amp.beliefs SELECT (b).*;
	RETURN QUERY SELECT 201, doc;
END
$$;

-- 102: see amp.belief_data (src/call.c asks again).
CREATE OR REPLACE FUNCTION amp.get_belief(p_org text, p_id text,
    p_budget_ms int)
RETURNS TABLE (status int, body jsonb)
LANGUAGE plpgsql AS $$
DECLARE
	b amp.beliefs;
	doc jsonb;
BEGIN
	PERFORM amp.tenant(p_org);
	SELECT * INTO b FROM amp.beliefs x WHERE x.org_id = p_org AND x.id = p_id;
	IF NOT FOUND THEN
		RETURN QUERY SELECT 404, amp.not_found('belief ' || p_id);
		RETURN;
	END IF;
	doc := (amp.belief_answers(p_org, ARRAY[b], p_budget_ms))[1];
	IF doc IS NULL THEN
		RETURN QUERY SELECT 102, NULL::jsonb;
		RETURN;
	END IF;
	RETURN QUERY SELECT 200, doc;
END
$$;

-- 102: see amp.belief_data (src/call.c asks again).
CREATE OR REPLACE FUNCTION amp.list_beliefs(p_org text, p_limit int,
    p_cursor text, p_budget_ms int)
RETURNS TABLE (status int, body jsonb)
LANGUAGE plpgsql AS $$
DECLARE
	k text[] := amp.cursor_decode(p_cursor, 1);
	page amp.beliefs[];
	answers jsonb[];
	items jsonb;
	short bigint;
BEGIN
	PERFORM amp.tenant(p_org);
	-- A bad cursor decodes to no keys, so no row is read for it. The
	-- page's rows are read first and evaluated after: on Citus a query
	-- reading a shard may not call a function (belief_data) that reads
	-- distributed tables itself.
	page := ARRAY(SELECT ROW(x.*)::amp.beliefs FROM amp.beliefs x
	    WHERE x.org_id = p_org AND (p_cursor IS NULL OR x.id > k[1])
	    ORDER BY x.id LIMIT p_limit + 1);
	-- The row past the page only says there is a next page: no
	-- evaluation.
	answers := amp.belief_answers(p_org, page[1:p_limit], p_budget_ms);
	SELECT jsonb_agg(jsonb_build_object('k',
	    jsonb_build_array((page[n]).id), 'd', answers[n]) ORDER BY n),
	    count(*) FILTER (WHERE n <= p_limit AND answers[n] IS NULL)
	INTO items, short
	FROM generate_subscripts(page, 1) AS n;
	IF short > 0 THEN
		RETURN QUERY SELECT 102, NULL::jsonb;
		RETURN;
	END IF;
	RETURN QUERY SELECT * FROM amp.page_answer(p_cursor, k, items,
	    p_limit);
END
$$;
