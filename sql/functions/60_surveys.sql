-- Surveys: instruments (built in, and each org's own), responses, the
-- summary's data and the org settings that hold the anonymity minimum.
-- The tables and the built-in instrument are in
-- sql/migrations/001_baseline.sql; scoring is C (src/core/summary.c).

-- Every instrument an org can use: the built-in ones and its own.
-- PL/pgSQL, not SQL: Citus runs no SQL function that reads a distributed
-- table (an SQL one here made list_instruments answer no rows there).
CREATE OR REPLACE FUNCTION amp.instrument_defs(p_org text)
RETURNS SETOF amp.instrument_def
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN QUERY
	SELECT b.id, b.name, true, b.scale_min, b.scale_max, b.items,
	    b.index_weights, b.created_at, b.created_at
	FROM amp.builtin_instruments b
	UNION ALL
	SELECT i.id, i.name, false, i.scale_min, i.scale_max, i.items,
	    i.index_weights, i.created_at, i.updated_at
	FROM amp.instruments i WHERE i.org_id = p_org;
END
$$;

-- Subscale names in the order their first item appears.
CREATE OR REPLACE FUNCTION amp.subscales(p_items jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
	SELECT coalesce(jsonb_agg(s ORDER BY o), '[]') FROM (
		SELECT it->>'subscale' AS s, min(o) AS o
		FROM jsonb_array_elements(p_items) WITH ORDINALITY AS x(it, o)
		GROUP BY 1
	) q
$$;

-- The items as a set, for "did the items change": order is presentation.
CREATE OR REPLACE FUNCTION amp.item_set(p_items jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
	SELECT coalesce(jsonb_agg(it ORDER BY it->>'id'), '[]')
	FROM jsonb_array_elements(p_items) it
$$;

CREATE OR REPLACE FUNCTION amp.instrument_json(p_org text,
    d amp.instrument_def) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN jsonb_build_object('id', d.id, 'name', d.name,
	    'builtin', d.builtin,
	    'locked', d.builtin OR EXISTS (SELECT 1 FROM amp.survey_responses r
		WHERE r.org_id = p_org AND r.instrument = d.id),
	    'scale', jsonb_build_object('min', d.scale_min, 'max', d.scale_max),
	    'subscales', amp.subscales(d.items), 'items', d.items,
	    'index', d.index_weights, 'created_at', amp.ts(d.created_at),
	    'updated_at', amp.ts(d.updated_at));
END
$$;

CREATE OR REPLACE FUNCTION amp.get_instrument(p_org text, p_id text)
RETURNS TABLE (status int, body jsonb)
LANGUAGE plpgsql STABLE AS $$
DECLARE
	d amp.instrument_def;
BEGIN
	PERFORM amp.tenant(p_org);
	SELECT * INTO d FROM amp.instrument_defs(p_org) x WHERE x.id = p_id;
	IF NOT FOUND THEN
		RETURN QUERY SELECT 404, amp.not_found('instrument ' || p_id);
		RETURN;
	END IF;
	RETURN QUERY SELECT 200, amp.instrument_json(p_org, d);
END
$$;

CREATE OR REPLACE FUNCTION amp.list_instruments(p_org text, p_limit int,
    p_cursor text)
RETURNS TABLE (status int, body jsonb)
LANGUAGE plpgsql STABLE AS $$
DECLARE
	k text[] := amp.cursor_decode(p_cursor, 1);
BEGIN
	PERFORM amp.tenant(p_org);
	-- A bad cursor decodes to no keys, so no row is read for it.
	RETURN QUERY SELECT * FROM amp.page_answer(p_cursor, k,
	    (SELECT jsonb_agg(jsonb_build_object('k', jsonb_build_array(d.id),
	    'd', amp.instrument_json(p_org, d))
	    ORDER BY d.id)
	    FROM (SELECT * FROM amp.instrument_defs(p_org) x
		WHERE p_cursor IS NULL OR x.id > k[1]
		ORDER BY x.id LIMIT p_limit + 1) d), p_limit);
END
$$;

-- The body was validated in C (src/core/survey_check.c); here only what
-- needs the stored state: built-in ids and the lock that responses put on
-- scale and items.
CREATE OR REPLACE FUNCTION amp.put_instrument(p_org text, p_id text, p jsonb)
RETURNS TABLE (status int, body jsonb)
LANGUAGE plpgsql AS $$
DECLARE
	cur amp.instruments;
	new_items jsonb;
	new_min int := (p->'scale'->>'min')::int;
	new_max int := (p->'scale'->>'max')::int;
	created boolean;
	d amp.instrument_def;
BEGIN
	PERFORM amp.tenant(p_org);
	IF EXISTS (SELECT 1 FROM amp.builtin_instruments b WHERE b.id = p_id)
	THEN
		RETURN QUERY SELECT 409, amp.problem(409,
		    'instrument ' || p_id || ' is built in and cannot be '
		    'changed; define your own instrument under another id');
		RETURN;
	END IF;
	IF lower(p_id) LIKE 'amp-%' THEN
		RETURN QUERY SELECT 400, amp.problem(400,
		    'the path names no valid id',
		    jsonb_build_array(jsonb_build_object('parameter', 'id',
		    'detail', 'ids starting with amp- are reserved for built-in '
		    'instruments')));
		RETURN;
	END IF;

	SELECT coalesce(jsonb_agg(jsonb_build_object('id', it->>'id',
	    'subscale', it->>'subscale',
	    'reverse', coalesce((it->>'reverse')::boolean, false),
	    'text', it->>'text') ORDER BY o), '[]')
	INTO new_items
	FROM jsonb_array_elements(p->'items') WITH ORDINALITY AS x(it, o);

	-- FOR UPDATE waits for any batch of responses still holding the
	-- instrument (FOR SHARE in ingest_responses), so the check below sees
	-- every response that was validated against the current items.
	SELECT * INTO cur FROM amp.instruments i
	WHERE i.org_id = p_org AND i.id = p_id FOR UPDATE;
	IF FOUND AND (cur.scale_min <> new_min OR cur.scale_max <> new_max OR
	    amp.item_set(cur.items) <> amp.item_set(new_items)) AND
	    EXISTS (SELECT 1 FROM amp.survey_responses s
		WHERE s.org_id = p_org AND s.instrument = p_id) THEN
		RETURN QUERY SELECT 409, amp.problem(409,
		    'instrument ' || p_id || ' already has responses, so its '
		    'scale and items cannot change; define a new instrument '
		    'under another id (name and index may still change)');
		RETURN;
	END IF;

	INSERT INTO amp.instruments AS t (org_id, id, name, scale_min,
	    scale_max, items, index_weights)
	VALUES (p_org, p_id, p->>'name', new_min, new_max, new_items,
	    CASE WHEN jsonb_typeof(p->'index') = 'object' THEN p->'index' END)
	ON CONFLICT (org_id, id) DO UPDATE SET name = excluded.name,
	    scale_min = excluded.scale_min, scale_max = excluded.scale_max,
	    items = excluded.items, index_weights = excluded.index_weights,
	    updated_at = excluded.updated_at
	RETURNING (t.xmax = 0) INTO created;
	SELECT * INTO d FROM amp.instrument_defs(p_org) x WHERE x.id = p_id;
	RETURN QUERY SELECT CASE WHEN created THEN 201 ELSE 200 END,
	    amp.instrument_json(p_org, d);
END
$$;

-- Responses ------------------------------------------------------------

-- Every problem of a batch that needs the instruments: an unknown
-- instrument, an answer to no item of it, a score off its scale, and a
-- response that scores no subscale (fewer than half of each subscale's
-- items answered). The half rule is only judged on responses whose
-- answers are otherwise valid, so each response gets the message that
-- helps first. Ordered by response, then answer key.
CREATE OR REPLACE FUNCTION amp.response_problems(p_org text, p_items jsonb)
RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN (WITH r AS (
		SELECT x.o - 1 AS i, x.v, d.id AS ins, d.scale_min, d.scale_max,
		    d.items
		FROM jsonb_array_elements(p_items) WITH ORDINALITY AS x(v, o)
		LEFT JOIN amp.instrument_defs(p_org) d
		    ON d.id = x.v->>'instrument'
	), answer_problems AS (
		SELECT r.i, a.key,
		    CASE WHEN it.item IS NULL THEN 'is not an item of instrument '
			|| r.ins
		    ELSE 'must be a whole number from ' || r.scale_min || ' to '
			|| r.scale_max END AS detail
		FROM r
		CROSS JOIN LATERAL jsonb_each(r.v->'answers') AS a(key, value)
		LEFT JOIN LATERAL (SELECT e AS item
		    FROM jsonb_array_elements(r.items) e
		    WHERE e->>'id' = a.key) it ON true
		WHERE r.ins IS NOT NULL AND (it.item IS NULL OR
		    (a.value)::numeric NOT BETWEEN r.scale_min AND r.scale_max)
	), unscored AS (
		SELECT r.i FROM r
		WHERE r.ins IS NOT NULL
		    AND NOT EXISTS (SELECT 1 FROM answer_problems p
			WHERE p.i = r.i)
		    AND NOT EXISTS (
			SELECT 1 FROM jsonb_array_elements(r.items) e
			GROUP BY e->>'subscale'
			HAVING 2 * count(*) FILTER (WHERE r.v->'answers' ?
			    (e->>'id')) >= count(*))
	), problems AS (
		SELECT r.i, 0 AS o, '' AS key,
		    '/responses/' || r.i || '/instrument' AS pointer,
		    'names no instrument of this org' AS detail
		FROM r WHERE r.ins IS NULL
		UNION ALL
		SELECT p.i, 1, p.key, '/responses/' || p.i || '/answers/' ||
		    replace(replace(p.key, '~', '~0'), '/', '~1'), p.detail
		FROM answer_problems p
		UNION ALL
		SELECT u.i, 2, '', '/responses/' || u.i || '/answers',
		    'must answer at least half of the items of at least one '
		    'subscale'
		FROM unscored u
	)
	SELECT jsonb_agg(jsonb_build_object('pointer', pointer, 'detail',
	    detail) ORDER BY i, o, key)
	FROM problems);
END
$$;

CREATE OR REPLACE FUNCTION amp.ingest_responses(p_org text, p_body jsonb)
RETURNS TABLE (status int, body jsonb)
LANGUAGE plpgsql AS $$
DECLARE
	batch jsonb := p_body->'responses';
	bad jsonb;
	n int;
BEGIN
	PERFORM amp.tenant(p_org);
	-- Hold the org's instruments named here until commit, so that a
	-- concurrent PUT cannot change their items between this check and
	-- the insert (it waits, then sees these responses and answers 409).
	PERFORM 1 FROM amp.instruments i
	WHERE i.org_id = p_org AND i.id IN (SELECT x->>'instrument'
	    FROM jsonb_array_elements(batch) x)
	ORDER BY i.id FOR SHARE;

	bad := amp.response_problems(p_org, batch);
	IF bad IS NOT NULL THEN
		n := jsonb_array_length(bad);
		RETURN QUERY SELECT 422, amp.problem(422, n || ' problem' ||
		    CASE WHEN n = 1 THEN '' ELSE 's' END ||
		    ' in the body; nothing was written',
		    (SELECT jsonb_agg(e ORDER BY o) FROM (SELECT e, o
		    FROM jsonb_array_elements(bad) WITH ORDINALITY AS x(e, o)
		    ORDER BY o LIMIT 100) s));
		RETURN;
	END IF;

	WITH ins AS (
		INSERT INTO amp.survey_responses (org_id, id, member, instrument,
		    submitted_at, answers)
		SELECT p_org, x.id, x.member, x.instrument, x.submitted_at,
		    x.answers
		FROM jsonb_to_recordset(batch) AS x(id text, member text,
		    instrument text, submitted_at timestamptz, answers jsonb)
		ON CONFLICT (org_id, id) DO NOTHING
		RETURNING 1
	)
	SELECT count(*) INTO n FROM ins;

	RETURN QUERY SELECT 200, jsonb_build_object('accepted', n,
	    'duplicates', jsonb_array_length(batch) - n);
END
$$;

-- Summary --------------------------------------------------------------

-- Gathers the data the C renderer (survey_summary in src/core/summary.c)
-- turns into the summary: the instrument, the anonymity minimum, the
-- group's member count, and every member's latest response in the window
-- with bits saying whether the member had events on the channel (1) and
-- in the campaign (2) in the window. All respondents of the window are
-- sent, not only the filtered group, so the renderer can also count every
-- coarser query and refuse answers that differ from one by fewer than
-- min_group people. Member ids are not sent: the renderer needs none.
CREATE OR REPLACE FUNCTION amp.survey_summary(p_org text, p_instrument text,
    p_from text, p_to text, p_channel text, p_campaign text)
RETURNS TABLE (status int, body jsonb)
LANGUAGE plpgsql STABLE AS $$
DECLARE
	d amp.instrument_def;
	k int;
	zone text;
	f timestamptz;
	t timestamptz;
	day_from date;
	day_to date;
BEGIN
	PERFORM amp.tenant(p_org);
	-- Bounds as src/params.c passes them (amp.bound), in the org's days.
	zone := amp.org_zone(p_org);
	f := amp.bound(p_from, false, zone);
	t := amp.bound(p_to, true, zone);
	day_from := amp.day_floor(f, zone);
	day_to := amp.day_ceil(t, zone);
	SELECT * INTO d FROM amp.instrument_defs(p_org) x
	WHERE x.id = coalesce(p_instrument, 'amp-pulse-1');
	IF NOT FOUND THEN
		RETURN QUERY SELECT 404, amp.not_found('instrument ' ||
		    p_instrument);
		RETURN;
	END IF;
	IF p_campaign IS NOT NULL AND NOT EXISTS (SELECT 1 FROM amp.campaigns c
	    WHERE c.org_id = p_org AND c.id = p_campaign) THEN
		RETURN QUERY SELECT 404, amp.not_found('campaign ' || p_campaign);
		RETURN;
	END IF;
	SELECT s.survey_min_group INTO k FROM amp.settings s
	WHERE s.org_id = p_org;

	RETURN QUERY
	WITH latest AS (
		SELECT DISTINCT ON (r.member) r.member, r.answers
		FROM amp.survey_responses r
		WHERE r.org_id = p_org AND r.instrument = d.id
		    AND r.submitted_at >= f AND r.submitted_at < t
		ORDER BY r.member, r.submitted_at DESC, r.id DESC
	), seen AS (
		-- Who was active where: the events of the whole local days
		-- covering the window.
		SELECT m.member,
		    bool_or(p_channel IS NULL OR m.channel = p_channel)
			AS in_channel,
		    bool_or(p_campaign IS NULL OR m.campaign = p_campaign)
			AS in_campaign
		FROM amp.events m
		WHERE m.org_id = p_org
		    AND m.occurred_at >= amp.day_start(day_from, zone)
		    AND m.occurred_at < amp.day_start(day_to, zone)
		GROUP BY m.member
	), resp AS (
		SELECT l.member, l.answers,
		    coalesce(s.in_channel, p_channel IS NULL) AS in_channel,
		    coalesce(s.in_campaign, p_campaign IS NULL) AS in_campaign
		FROM latest l LEFT JOIN seen s ON s.member = l.member
	)
	SELECT 200, jsonb_build_object(
	    'instrument', jsonb_build_object('id', d.id,
		'scale', jsonb_build_object('min', d.scale_min, 'max', d.scale_max),
		'items', d.items, 'index', d.index_weights),
	    'from', amp.ts(f), 'to', amp.ts(t),
	    'channel', p_channel, 'campaign', p_campaign,
	    'min_group', coalesce(k, 5),
	    'members', (SELECT count(*) FROM (
		SELECT s.member FROM seen s WHERE s.in_channel AND s.in_campaign
		UNION
		SELECT r.member FROM resp r WHERE r.in_channel AND r.in_campaign
	    ) g),
	    'respondents', coalesce((SELECT jsonb_agg(jsonb_build_object(
		'm', CASE WHEN r.in_channel THEN 1 ELSE 0 END +
		    CASE WHEN r.in_campaign THEN 2 ELSE 0 END,
		'a', (SELECT jsonb_agg(r.answers -> (it->>'id') ORDER BY o)
		    FROM jsonb_array_elements(d.items) WITH ORDINALITY
		    AS q(it, o)))
		ORDER BY r.member) FROM resp r), '[]'));
END
$$;

-- Settings -------------------------------------------------------------

CREATE OR REPLACE FUNCTION amp.settings_json(p_min int, p_zone text,
    p_updated timestamptz)
RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
	SELECT jsonb_build_object('survey_min_group', p_min, 'timezone', p_zone,
	    'updated_at', amp.ts(p_updated))
$$;

CREATE OR REPLACE FUNCTION amp.get_settings(p_org text)
RETURNS TABLE (status int, body jsonb)
LANGUAGE plpgsql STABLE AS $$
BEGIN
	PERFORM amp.tenant(p_org);
	RETURN QUERY SELECT 200, coalesce(
	    (SELECT amp.settings_json(s.survey_min_group, s.timezone,
	    s.updated_at) FROM amp.settings s WHERE s.org_id = p_org),
	    amp.settings_json(5, 'UTC', NULL));
END
$$;

-- A new time zone re-derives the org's rollups by its new days, in the
-- same transaction: holding the org's ZONE lock exclusively, it waits for
-- the batches being applied in the old zone to commit (then derives them
-- too) and holds back those that follow until it commits (then they are
-- applied in the new zone). Readers see the old rollups and zone until
-- the commit, the new ones after it: exact throughout.
CREATE OR REPLACE FUNCTION amp.put_settings(p_org text, p jsonb,
    p_now timestamptz DEFAULT now())
RETURNS TABLE (status int, body jsonb)
LANGUAGE plpgsql AS $$
DECLARE
	zone text := coalesce(p->>'timezone', 'UTC');
	old text;
	k int;
	z text;
	at timestamptz;
BEGIN
	PERFORM amp.tenant(p_org);
	IF NOT EXISTS (SELECT 1 FROM pg_timezone_names n WHERE n.name = zone) THEN
		RETURN QUERY SELECT 422, amp.problem(422,
		    '1 problem in the body; nothing was written',
		    jsonb_build_array(jsonb_build_object('pointer', '/timezone',
		    'detail', 'must be an IANA time zone name such as '
		    'Europe/Berlin')));
		RETURN;
	END IF;
	PERFORM pg_advisory_xact_lock(7245013, hashtext(p_org));
	old := amp.org_zone(p_org);
	INSERT INTO amp.settings AS t (org_id, survey_min_group, timezone,
	    updated_at)
	VALUES (p_org, coalesce((p->>'survey_min_group')::int, 5), zone, p_now)
	ON CONFLICT (org_id) DO UPDATE
	    SET survey_min_group = excluded.survey_min_group,
		timezone = excluded.timezone, updated_at = excluded.updated_at
	RETURNING t.survey_min_group, t.timezone, t.updated_at INTO k, z, at;
	IF z IS DISTINCT FROM old THEN
		PERFORM amp.rebuild_rollups(p_org);
	END IF;
	RETURN QUERY SELECT 200, amp.settings_json(k, z, at);
END
$$;
