-- Campaigns and KPIs: what an org runs and what it measures.
--
-- Written to run on Citus too (sql/citus.sql), where a statement reading
-- a table runs on a shard of it: a row is passed on as ROW(c.*)::type (the
-- shard's own row type is another type), and ON CONFLICT ... DO UPDATE
-- takes updated_at from the proposed row (excluded), as Citus refuses
-- functions that are not immutable there.

-- Campaigns -----------------------------------------------------------

CREATE OR REPLACE FUNCTION amp.campaign_json(c amp.campaigns) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT jsonb_build_object('id', c.id, 'name', c.name,
	    'incentive', c.incentive, 'contingency', c.contingency,
	    'starts_at', amp.ts(c.starts_at), 'ends_at', amp.ts(c.ends_at),
	    'channel', c.channel, 'created_at', amp.ts(c.created_at),
	    'updated_at', amp.ts(c.updated_at))
$$;

CREATE OR REPLACE FUNCTION amp.put_campaign(p_org text, p_id text, p jsonb)
RETURNS TABLE (status int, body jsonb)
LANGUAGE plpgsql AS $$
DECLARE
	r record;
BEGIN
	PERFORM amp.tenant(p_org);
	INSERT INTO amp.campaigns AS t (org_id, id, name, incentive, contingency,
	    starts_at, ends_at, channel)
	VALUES (p_org, p_id, p->>'name', p->>'incentive',
	    coalesce(p->>'contingency', 'none'), (p->>'starts_at')::timestamptz,
	    (p->>'ends_at')::timestamptz, p->>'channel')
	ON CONFLICT (org_id, id) DO UPDATE SET name = excluded.name,
	    incentive = excluded.incentive, contingency = excluded.contingency,
	    starts_at = excluded.starts_at, ends_at = excluded.ends_at,
	    channel = excluded.channel, updated_at = excluded.updated_at
	RETURNING t.*, (t.xmax = 0) AS created INTO r;
	RETURN QUERY SELECT CASE WHEN r.created THEN 201 ELSE 200 END,
	    amp.campaign_json(ROW(r.org_id, r.id, r.name, r.incentive,
	    r.contingency, r.starts_at, r.ends_at, r.channel, r.created_at,
	    r.updated_at)::amp.campaigns);
END
$$;

CREATE OR REPLACE FUNCTION amp.get_campaign(p_org text, p_id text)
RETURNS TABLE (status int, body jsonb)
LANGUAGE plpgsql STABLE AS $$
BEGIN
	PERFORM amp.tenant(p_org);
	RETURN QUERY SELECT coalesce(max(200), 404),
	    coalesce((array_agg(amp.campaign_json(ROW(c.*)::amp.campaigns)))[1],
	    amp.not_found('campaign ' || p_id))
	    FROM amp.campaigns c WHERE c.org_id = p_org AND c.id = p_id;
END
$$;

CREATE OR REPLACE FUNCTION amp.list_campaigns(p_org text, p_limit int,
    p_cursor text)
RETURNS TABLE (status int, body jsonb)
LANGUAGE plpgsql STABLE AS $$
DECLARE
	k text[] := amp.cursor_decode(p_cursor, 1);
BEGIN
	PERFORM amp.tenant(p_org);
	-- A bad cursor decodes to no keys, so no row is read for it.
	RETURN QUERY SELECT * FROM amp.page_answer(p_cursor, k,
	    (SELECT jsonb_agg(jsonb_build_object('k', jsonb_build_array(c.id),
	    'd', amp.campaign_json(ROW(c.*)::amp.campaigns)) ORDER BY c.id)
	    FROM (SELECT * FROM amp.campaigns x
		WHERE x.org_id = p_org AND (p_cursor IS NULL OR x.id > k[1])
		ORDER BY x.id LIMIT p_limit + 1) c), p_limit);
END
$$;

-- KPIs ----------------------------------------------------------------

CREATE OR REPLACE FUNCTION amp.kpi_json(k amp.kpis) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT jsonb_build_object('metric', k.metric, 'name', k.name,
	    'unit', k.unit, 'target', k.target, 'period', k.period,
	    'direction', k.direction, 'created_at', amp.ts(k.created_at),
	    'updated_at', amp.ts(k.updated_at))
$$;

CREATE OR REPLACE FUNCTION amp.put_kpi(p_org text, p_metric text, p jsonb)
RETURNS TABLE (status int, body jsonb)
LANGUAGE plpgsql AS $$
DECLARE
	r record;
BEGIN
	PERFORM amp.tenant(p_org);
	INSERT INTO amp.kpis AS t (org_id, metric, name, unit, target, period,
	    direction)
	VALUES (p_org, p_metric, p->>'name', p->>'unit',
	    (p->>'target')::double precision, p->>'period',
	    coalesce(p->>'direction', 'higher'))
	ON CONFLICT (org_id, metric) DO UPDATE SET name = excluded.name,
	    unit = excluded.unit, target = excluded.target,
	    period = excluded.period, direction = excluded.direction,
	    updated_at = excluded.updated_at
	RETURNING t.*, (t.xmax = 0) AS created INTO r;
	RETURN QUERY SELECT CASE WHEN r.created THEN 201 ELSE 200 END,
	    amp.kpi_json(ROW(r.org_id, r.metric, r.name, r.unit, r.target,
	    r.period, r.direction, r.created_at, r.updated_at)::amp.kpis);
END
$$;

CREATE OR REPLACE FUNCTION amp.get_kpi(p_org text, p_metric text)
RETURNS TABLE (status int, body jsonb)
LANGUAGE plpgsql STABLE AS $$
BEGIN
	PERFORM amp.tenant(p_org);
	RETURN QUERY SELECT coalesce(max(200), 404),
	    coalesce((array_agg(amp.kpi_json(ROW(k.*)::amp.kpis)))[1],
	    amp.not_found('KPI ' || p_metric))
	    FROM amp.kpis k WHERE k.org_id = p_org AND k.metric = p_metric;
END
$$;

CREATE OR REPLACE FUNCTION amp.list_kpis(p_org text, p_limit int, p_cursor text)
RETURNS TABLE (status int, body jsonb)
LANGUAGE plpgsql STABLE AS $$
DECLARE
	k text[] := amp.cursor_decode(p_cursor, 1);
BEGIN
	PERFORM amp.tenant(p_org);
	-- A bad cursor decodes to no keys, so no row is read for it.
	RETURN QUERY SELECT * FROM amp.page_answer(p_cursor, k,
	    (SELECT jsonb_agg(jsonb_build_object('k', jsonb_build_array(m.metric),
	    'd', amp.kpi_json(ROW(m.*)::amp.kpis))
	    ORDER BY m.metric)
	    FROM (SELECT * FROM amp.kpis x
		WHERE x.org_id = p_org AND (p_cursor IS NULL OR x.metric > k[1])
		ORDER BY x.metric LIMIT p_limit + 1) m), p_limit);
END
$$;
