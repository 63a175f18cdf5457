-- Foundation: tenants' campaigns, KPIs, events and results.
--
-- Every tenant table leads with org_id in its primary key, unique
-- constraints and foreign keys (ready for Citus distribution by org_id).
-- Client ids are the keys. The service connects as amp_app, which owns
-- nothing: row-level security is a second wall behind the org_id that
-- every function filters on.

DO $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'amp_app') THEN
		CREATE ROLE amp_app NOLOGIN;
	END IF;
END
$$;

GRANT USAGE ON SCHEMA amp TO amp_app;
GRANT SELECT ON amp.schema_migrations TO amp_app;

CREATE TABLE amp.campaigns (
	org_id		text NOT NULL,
	id		text NOT NULL,
	name		text NOT NULL,
	incentive	text NOT NULL CHECK (incentive IN ('none', 'recognition',
			    'points', 'tangible', 'monetary', 'contest', 'quota')),
	contingency	text NOT NULL CHECK (contingency IN ('none', 'engagement',
			    'completion', 'performance')),
	starts_at	timestamptz NOT NULL,
	ends_at		timestamptz CHECK (ends_at > starts_at),
	channel		text,
	created_at	timestamptz NOT NULL DEFAULT now(),
	updated_at	timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (org_id, id)
);

CREATE TABLE amp.kpis (
	org_id		text NOT NULL,
	metric		text NOT NULL,
	name		text NOT NULL,
	unit		text,
	target		double precision CHECK (target > 0),
	period		text CHECK (period IN ('day', 'week', 'month', 'quarter',
			    'year')),
	direction	text NOT NULL CHECK (direction IN ('higher', 'lower')),
	created_at	timestamptz NOT NULL DEFAULT now(),
	updated_at	timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (org_id, metric),
	CHECK (target IS NULL OR period IS NOT NULL)
);

CREATE TABLE amp.events (
	org_id		text NOT NULL,
	id		text NOT NULL,
	member		text NOT NULL,
	channel		text NOT NULL,
	action		text NOT NULL,
	kind		text NOT NULL CHECK (kind IN ('consume', 'react', 'create',
			    'contribute', 'convert')),
	occurred_at	timestamptz NOT NULL,
	initiative	text NOT NULL CHECK (initiative IN ('self', 'prompted',
			    'incentivized')),
	rewarded	boolean NOT NULL,
	beneficiary	text NOT NULL CHECK (beneficiary IN ('self', 'others',
			    'community')),
	quality		double precision CHECK (quality BETWEEN 0 AND 1),
	level		smallint CHECK (level BETWEEN 1 AND 5),
	campaign	text,
	value		double precision,
	properties	jsonb,
	received_at	timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (org_id, id),
	FOREIGN KEY (org_id, campaign) REFERENCES amp.campaigns (org_id, id)
);
CREATE INDEX events_time ON amp.events (org_id, occurred_at, id);
CREATE INDEX events_member ON amp.events (org_id, member, occurred_at, id);
CREATE INDEX events_campaign ON amp.events (org_id, campaign, occurred_at, id)
    WHERE campaign IS NOT NULL;

CREATE TABLE amp.results (
	org_id		text NOT NULL,
	id		text NOT NULL,
	metric		text NOT NULL,
	value		double precision NOT NULL,
	observed_at	timestamptz NOT NULL,
	channel		text,
	campaign	text,
	received_at	timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (org_id, id),
	FOREIGN KEY (org_id, metric) REFERENCES amp.kpis (org_id, metric),
	FOREIGN KEY (org_id, campaign) REFERENCES amp.campaigns (org_id, id)
);
CREATE INDEX results_metric ON amp.results (org_id, metric, observed_at);

-- Every tenant table: row-level security on org_id (set per statement by
-- amp.tenant), and the service role may read and write it, nothing more.
CREATE FUNCTION amp.tenant_table(p_table text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE format('ALTER TABLE amp.%I ENABLE ROW LEVEL SECURITY', p_table);
	EXECUTE format('CREATE POLICY tenant ON amp.%I USING '
	    '(org_id = current_setting(''amp.org'', true)) WITH CHECK '
	    '(org_id = current_setting(''amp.org'', true))', p_table);
	EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON amp.%I TO amp_app',
	    p_table);
END
$$;
REVOKE EXECUTE ON FUNCTION amp.tenant_table(text) FROM PUBLIC;

SELECT amp.tenant_table(t)
FROM unnest(ARRAY['campaigns', 'kpis', 'events', 'results']) t;

-- Helpers shared by every API function --------------------------------

CREATE FUNCTION amp.tenant(p_org text) RETURNS void
LANGUAGE sql AS $$
	SELECT set_config('amp.org', p_org, true)
$$;

CREATE FUNCTION amp.ts(p timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT to_char(p AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
$$;

CREATE FUNCTION amp.problem(p_status int, p_kind text, p_title text,
    p_detail text, p_errors jsonb DEFAULT NULL) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
	SELECT jsonb_build_object('type', 'urn:ampmeter:problem:' || p_kind,
	    'title', p_title, 'status', p_status, 'detail', p_detail)
	    || CASE WHEN p_errors IS NULL THEN '{}'::jsonb
	       ELSE jsonb_build_object('errors', p_errors) END
$$;

CREATE FUNCTION amp.not_found(p_what text) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
	SELECT amp.problem(404, 'not-found', 'Not Found', p_what || ' does not exist')
$$;

-- Opaque page cursors: base64url of a JSON array of the last row's keys.
CREATE FUNCTION amp.cursor_encode(VARIADIC p_keys text[]) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
	SELECT translate(encode(convert_to(to_jsonb(p_keys)::text, 'UTF8'),
	    'base64'), E'+/=\n', '-_')
$$;

-- NULL when the cursor is not one this service wrote.
CREATE FUNCTION amp.cursor_decode(p_cursor text, p_len int) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
	v jsonb;
	r text[];
BEGIN
	v := convert_from(decode(rpad(translate(p_cursor, '-_', '+/'),
	    (length(p_cursor) + 3) / 4 * 4, '='), 'base64'), 'UTF8')::jsonb;
	IF jsonb_typeof(v) <> 'array' OR jsonb_array_length(v) <> p_len THEN
		RETURN NULL;
	END IF;
	SELECT array_agg(x ORDER BY o) INTO r
	    FROM jsonb_array_elements_text(v) WITH ORDINALITY AS a(x, o);
	RETURN r;
EXCEPTION WHEN others THEN
	RETURN NULL;
END
$$;

CREATE FUNCTION amp.bad_cursor() RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
	SELECT amp.problem(400, 'bad-request', 'Bad Request',
	    'cursor is not valid; pass next_cursor from a previous page',
	    jsonb_build_array(jsonb_build_object('parameter', 'cursor',
	    'detail', 'is not a cursor this service issued')))
$$;

-- A page of a list: p_rows holds up to p_limit + 1 rows in order, each
-- {"k": its cursor keys (array), "d": its document}; one more row than the
-- page means there is a next page, which starts after the last row shown.
CREATE FUNCTION amp.page(p_rows jsonb, p_limit int) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
	SELECT jsonb_build_object(
	    'data', coalesce((SELECT jsonb_agg(r->'d' ORDER BY o)
		FROM jsonb_array_elements(p_rows) WITH ORDINALITY AS x(r, o)
		WHERE o <= p_limit), '[]'),
	    'next_cursor', CASE WHEN jsonb_array_length(coalesce(p_rows, '[]'))
		> p_limit THEN amp.cursor_encode(VARIADIC ARRAY(
		SELECT jsonb_array_elements_text(p_rows->(p_limit - 1)->'k'))) END)
$$;

-- The answer of a list: 400 when the cursor given is not one of ours (its
-- keys p_key did not decode), else the page.
CREATE FUNCTION amp.page_answer(p_cursor text, p_key text[], p_rows jsonb,
    p_limit int) RETURNS TABLE (status int, body jsonb)
LANGUAGE sql IMMUTABLE AS $$
	SELECT 400, amp.bad_cursor() WHERE p_cursor IS NOT NULL AND p_key IS NULL
	UNION ALL
	SELECT 200, amp.page(p_rows, p_limit)
	WHERE p_cursor IS NULL OR p_key IS NOT NULL
$$;

CREATE FUNCTION amp.epoch_us(p timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
	SELECT (extract(epoch FROM p) * 1000000)::bigint::text
$$;

CREATE FUNCTION amp.from_epoch_us(p text) RETURNS timestamptz
LANGUAGE sql IMMUTABLE AS $$
	SELECT timestamptz 'epoch' + p::bigint * interval '1 microsecond'
$$;

-- Ready when the schema has every migration this build of the service knows.
CREATE FUNCTION amp.ready(p_expected int) RETURNS TABLE (status int, body jsonb)
LANGUAGE sql STABLE AS $$
	SELECT CASE WHEN n >= p_expected THEN 200 ELSE 503 END,
	    CASE WHEN n >= p_expected THEN jsonb_build_object('status', 'ready',
		'schema_version', n)
	    ELSE amp.problem(503, 'unavailable', 'Service Unavailable',
		'the database schema is behind this service; run the migrations')
	    END
	FROM (SELECT count(*)::int AS n FROM amp.schema_migrations) s
$$;

-- Campaigns -----------------------------------------------------------

CREATE FUNCTION amp.campaign_json(c amp.campaigns) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT jsonb_build_object('id', c.id, 'name', c.name,
	    'incentive', c.incentive, 'contingency', c.contingency,
	    'starts_at', amp.ts(c.starts_at), 'ends_at', amp.ts(c.ends_at),
	    'channel', c.channel, 'created_at', amp.ts(c.created_at),
	    'updated_at', amp.ts(c.updated_at))
$$;

CREATE FUNCTION amp.put_campaign(p_org text, p_id text, p jsonb)
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
	    channel = excluded.channel, updated_at = now()
	RETURNING t AS row, (t.xmax = 0) AS created INTO r;
	RETURN QUERY SELECT CASE WHEN r.created THEN 201 ELSE 200 END,
	    amp.campaign_json(r.row);
END
$$;

CREATE FUNCTION amp.get_campaign(p_org text, p_id text)
RETURNS TABLE (status int, body jsonb)
LANGUAGE plpgsql STABLE AS $$
BEGIN
	PERFORM amp.tenant(p_org);
	RETURN QUERY SELECT coalesce(max(200), 404),
	    coalesce((array_agg(amp.campaign_json(c)))[1],
	    amp.not_found('campaign ' || p_id))
	    FROM amp.campaigns c WHERE c.org_id = p_org AND c.id = p_id;
END
$$;

CREATE FUNCTION amp.list_campaigns(p_org text, p_limit int, p_cursor text)
RETURNS TABLE (status int, body jsonb)
LANGUAGE plpgsql STABLE AS $$
DECLARE
	k text[] := amp.cursor_decode(p_cursor, 1);
BEGIN
	PERFORM amp.tenant(p_org);
	-- A bad cursor decodes to no keys, so no row is read for it.
	RETURN QUERY SELECT * FROM amp.page_answer(p_cursor, k,
	    (SELECT jsonb_agg(jsonb_build_object('k', jsonb_build_array(c.id),
	    'd', amp.campaign_json(c)) ORDER BY c.id)
	    FROM (SELECT * FROM amp.campaigns x
		WHERE x.org_id = p_org AND (p_cursor IS NULL OR x.id > k[1])
		ORDER BY x.id LIMIT p_limit + 1) c), p_limit);
END
$$;

-- KPIs ----------------------------------------------------------------

CREATE FUNCTION amp.kpi_json(k amp.kpis) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT jsonb_build_object('metric', k.metric, 'name', k.name,
	    'unit', k.unit, 'target', k.target, 'period', k.period,
	    'direction', k.direction, 'created_at', amp.ts(k.created_at),
	    'updated_at', amp.ts(k.updated_at))
$$;

CREATE FUNCTION amp.put_kpi(p_org text, p_metric text, p jsonb)
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
	    updated_at = now()
	RETURNING t AS row, (t.xmax = 0) AS created INTO r;
	RETURN QUERY SELECT CASE WHEN r.created THEN 201 ELSE 200 END,
	    amp.kpi_json(r.row);
END
$$;

CREATE FUNCTION amp.get_kpi(p_org text, p_metric text)
RETURNS TABLE (status int, body jsonb)
LANGUAGE plpgsql STABLE AS $$
BEGIN
	PERFORM amp.tenant(p_org);
	RETURN QUERY SELECT coalesce(max(200), 404),
	    coalesce((array_agg(amp.kpi_json(k)))[1],
	    amp.not_found('KPI ' || p_metric))
	    FROM amp.kpis k WHERE k.org_id = p_org AND k.metric = p_metric;
END
$$;

CREATE FUNCTION amp.list_kpis(p_org text, p_limit int, p_cursor text)
RETURNS TABLE (status int, body jsonb)
LANGUAGE plpgsql STABLE AS $$
DECLARE
	k text[] := amp.cursor_decode(p_cursor, 1);
BEGIN
	PERFORM amp.tenant(p_org);
	-- A bad cursor decodes to no keys, so no row is read for it.
	RETURN QUERY SELECT * FROM amp.page_answer(p_cursor, k,
	    (SELECT jsonb_agg(jsonb_build_object('k', jsonb_build_array(m.metric),
	    'd', amp.kpi_json(m))
	    ORDER BY m.metric)
	    FROM (SELECT * FROM amp.kpis x
		WHERE x.org_id = p_org AND (p_cursor IS NULL OR x.metric > k[1])
		ORDER BY x.metric LIMIT p_limit + 1) m), p_limit);
END
$$;

-- Events --------------------------------------------------------------

CREATE FUNCTION amp.event_json(e amp.events) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT jsonb_build_object('id', e.id, 'member', e.member,
	    'channel', e.channel, 'action', e.action, 'kind', e.kind,
	    'occurred_at', amp.ts(e.occurred_at), 'initiative', e.initiative,
	    'rewarded', e.rewarded, 'beneficiary', e.beneficiary,
	    'quality', e.quality, 'level', e.level, 'campaign', e.campaign,
	    'value', e.value, 'properties', e.properties,
	    'received_at', amp.ts(e.received_at))
$$;

-- Items naming a campaign (or metric) the org does not have, as problems.
-- Static SQL in PL/pgSQL, so its plan is made once per connection.
CREATE FUNCTION amp.missing_refs(p_org text, p_items jsonb, p_list text,
    p_field text) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN (SELECT jsonb_agg(jsonb_build_object('pointer', '/' || p_list
	    || '/' || (i.o - 1) || '/' || p_field,
	    'detail', 'names no existing ' || p_field) ORDER BY i.o)
	FROM jsonb_array_elements(p_items) WITH ORDINALITY AS i(v, o)
	WHERE i.v ? p_field AND CASE p_field
	    WHEN 'metric' THEN NOT EXISTS (SELECT 1 FROM amp.kpis k
		WHERE k.org_id = p_org AND k.metric = i.v->>p_field)
	    ELSE NOT EXISTS (SELECT 1 FROM amp.campaigns c
		WHERE c.org_id = p_org AND c.id = i.v->>p_field) END);
END
$$;

CREATE FUNCTION amp.unknown_refs(p_errors jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
	SELECT amp.problem(422, 'validation', 'Unprocessable Content',
	    'the batch names things that do not exist; nothing was written',
	    (SELECT jsonb_agg(e) FROM (SELECT e FROM jsonb_array_elements(p_errors) e
	    LIMIT 100) s))
$$;

-- What ingestion stored goes to the rollups in the same transaction
-- (sign 1; erasure takes away with -1). sql/002 defines them.
CREATE FUNCTION amp.rollup_apply(p_org text, p amp.events[], p_sign int)
RETURNS void
LANGUAGE sql AS $$ SELECT $$;

CREATE FUNCTION amp.ingest_events(p_org text, p_body jsonb)
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

	WITH src AS (
		SELECT * FROM jsonb_to_recordset(items) AS x(id text, member text,
		    channel text, action text, kind text, occurred_at timestamptz,
		    initiative text, rewarded boolean, beneficiary text,
		    quality double precision, level smallint, campaign text,
		    value double precision, properties jsonb)
	), ins AS (
		INSERT INTO amp.events (org_id, id, member, channel, action, kind,
		    occurred_at, initiative, rewarded, beneficiary, quality, level,
		    campaign, value, properties)
		SELECT p_org, s.id, s.member, s.channel, s.action, s.kind,
		    s.occurred_at,
		    coalesce(s.initiative, CASE
			WHEN c.incentive IS NULL THEN 'self'
			WHEN c.incentive IN ('none', 'recognition') THEN 'prompted'
			ELSE 'incentivized' END),
		    coalesce(s.rewarded, coalesce(c.incentive NOT IN ('none',
			'recognition'), false)),
		    coalesce(s.beneficiary, 'self'), s.quality, s.level,
		    s.campaign, s.value, s.properties
		FROM src s
		LEFT JOIN amp.campaigns c ON c.org_id = p_org AND c.id = s.campaign
		ON CONFLICT (org_id, id) DO NOTHING
		RETURNING *
	)
	SELECT array_agg(ROW(i.*)::amp.events) INTO added FROM ins i;

	n := coalesce(cardinality(added), 0);
	PERFORM amp.rollup_apply(p_org, added, 1);
	RETURN QUERY SELECT 200, jsonb_build_object('accepted', n,
	    'duplicates', jsonb_array_length(items) - n);
END
$$;

CREATE FUNCTION amp.list_events(p_org text, p_member text, p_channel text,
    p_campaign text, p_from timestamptz, p_to timestamptz, p_limit int,
    p_cursor text)
RETURNS TABLE (status int, body jsonb)
LANGUAGE plpgsql STABLE AS $$
DECLARE
	c text[] := amp.cursor_decode(p_cursor, 2);
	after_ts timestamptz := '-infinity';
	after_id text := '';
BEGIN
	PERFORM amp.tenant(p_org);
	IF p_cursor IS NOT NULL THEN
		-- Our cursors hold microseconds since 1970, before year 10000.
		IF c IS NULL OR c[1] !~ '^[0-9]{1,18}$'
		    OR c[1]::bigint > 253402300799999999 THEN
			RETURN QUERY SELECT 400, amp.bad_cursor();
			RETURN;
		END IF;
		after_ts := amp.from_epoch_us(c[1]);
		after_id := c[2];
	END IF;
	RETURN QUERY SELECT 200, amp.page((SELECT jsonb_agg(jsonb_build_object(
	    'k', jsonb_build_array(amp.epoch_us(e.occurred_at), e.id),
	    'd', amp.event_json(e)) ORDER BY e.occurred_at, e.id)
	    FROM (SELECT * FROM amp.events x
		WHERE x.org_id = p_org
		    AND x.occurred_at >= p_from AND x.occurred_at < p_to
		    AND (x.occurred_at, x.id) > (after_ts, after_id)
		    AND (p_member IS NULL OR x.member = p_member)
		    AND (p_channel IS NULL OR x.channel = p_channel)
		    AND (p_campaign IS NULL OR x.campaign = p_campaign)
		ORDER BY x.occurred_at, x.id
		LIMIT p_limit + 1) e), p_limit);
END
$$;

-- Results -------------------------------------------------------------

CREATE FUNCTION amp.ingest_results(p_org text, p_body jsonb)
RETURNS TABLE (status int, body jsonb)
LANGUAGE plpgsql AS $$
DECLARE
	items jsonb := p_body->'results';
	bad jsonb;
	n int;
BEGIN
	PERFORM amp.tenant(p_org);
	bad := coalesce(amp.missing_refs(p_org, items, 'results', 'metric'),
	    '[]') || coalesce(amp.missing_refs(p_org, items, 'results',
	    'campaign'), '[]');
	IF bad <> '[]' THEN
		RETURN QUERY SELECT 422, amp.unknown_refs(bad);
		RETURN;
	END IF;

	WITH ins AS (
		INSERT INTO amp.results (org_id, id, metric, value, observed_at,
		    channel, campaign)
		SELECT p_org, x.id, x.metric, x.value, x.observed_at, x.channel,
		    x.campaign
		FROM jsonb_to_recordset(items) AS x(id text, metric text,
		    value double precision, observed_at timestamptz, channel text,
		    campaign text)
		ON CONFLICT (org_id, id) DO NOTHING
		RETURNING 1
	)
	SELECT count(*) INTO n FROM ins;

	RETURN QUERY SELECT 200, jsonb_build_object('accepted', n,
	    'duplicates', jsonb_array_length(items) - n);
END
$$;

GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA amp TO amp_app;
