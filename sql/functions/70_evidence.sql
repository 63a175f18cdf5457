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

-- The belief with the indicator's daily figures on each side of its change
-- point, as of now, by the org's local days. Mastery needs two halves, so
-- its daily value is taken over the 14 days ending that day. Only complete
-- days count: today's
-- figures are partial, and a partial day would pull a rate (free-choice
-- events per day) or a comparison of halves (mastery) down. NULL when
-- the mastery of its days took longer than p_budget_ms (amp.windows_data):
-- what was computed is kept; ask again.
CREATE OR REPLACE FUNCTION amp.belief_data(p_org text, b amp.beliefs,
    p_budget_ms int DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	at_day date;
	span int := CASE WHEN b.indicator IN ('mastery') THEN 14 ELSE 1 END;
	froms date[];
	tos date[];
	zone text := amp.org_zone(p_org);
	days jsonb;
BEGIN
	at_day := amp.day_floor(coalesce(b.at, (SELECT c.starts_at
	    FROM amp.campaigns c WHERE c.org_id = p_org AND c.id = b.campaign)),
	    zone);
	-- Day d's value is taken over [d - span + 1, d + 1).
	SELECT array_agg(g::date - span + 1 ORDER BY g),
	    array_agg(g::date + 1 ORDER BY g)
	INTO froms, tos
	FROM generate_series(at_day - b.window_days,
	    least(at_day + b.window_days, amp.day_floor(now(), zone)) - 1,
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

CREATE OR REPLACE FUNCTION amp.create_belief(p_org text, p jsonb)
RETURNS TABLE (status int, body jsonb)
LANGUAGE plpgsql AS $$
DECLARE
	b amp.beliefs;
BEGIN
	PERFORM amp.tenant(p_org);
	IF p ? 'campaign' AND NOT EXISTS (SELECT 1 FROM amp.campaigns c
	    WHERE c.org_id = p_org AND c.id = p->>'campaign') THEN
		RETURN QUERY SELECT 422, amp.unknown_refs(jsonb_build_array(
		    jsonb_build_object('pointer', '/campaign',
		    'detail', 'names no existing campaign')));
		RETURN;
	END IF;
	INSERT INTO amp.beliefs (org_id, id, statement, indicator, at, campaign,
	    expect, window_days, channel)
	VALUES (p_org, 'b-' || replace(gen_random_uuid()::text, '-', ''),
	    p->>'statement', p->>'indicator', (p->>'at')::timestamptz,
	    p->>'campaign', p->>'expect', coalesce((p->>'window_days')::int, 28),
	    p->>'channel')
	RETURNING * INTO b;
	RETURN QUERY SELECT 201, amp.belief_data(p_org, b);
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
	doc := amp.belief_data(p_org, b, p_budget_ms);
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
	SELECT jsonb_agg(jsonb_build_object('k',
	    jsonb_build_array((page[n]).id), 'd', x.d) ORDER BY n),
	    count(*) FILTER (WHERE n <= p_limit AND x.d IS NULL)
	INTO items, short
	FROM generate_subscripts(page, 1) AS n,
	    LATERAL (SELECT CASE WHEN n <= p_limit THEN amp.belief_data(p_org,
		page[n], p_budget_ms) END AS d) x;
	IF short > 0 THEN
		RETURN QUERY SELECT 102, NULL::jsonb;
		RETURN;
	END IF;
	RETURN QUERY SELECT * FROM amp.page_answer(p_cursor, k, items,
	    p_limit);
END
$$;
