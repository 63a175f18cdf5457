-- Events, results and members: ingestion (one statement per batch, the
-- rollups and channel_stats kept in the same transaction), lists, a
-- member's profile and erasure.

-- Events --------------------------------------------------------------

CREATE OR REPLACE FUNCTION amp.event_json(e amp.events) RETURNS jsonb
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
CREATE OR REPLACE FUNCTION amp.missing_refs(p_org text, p_items jsonb,
    p_list text, p_field text) RETURNS jsonb
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

-- A batch's events as rows to store, written by transaction p_xact: the
-- campaign's incentive gives the defaults of initiative and rewarded.
-- PL/pgSQL, not SQL: Citus runs no SQL function that reads a distributed
-- table.
CREATE OR REPLACE FUNCTION amp.event_rows(p_org text, p_items jsonb,
    p_xact bigint)
RETURNS SETOF amp.events
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN QUERY
	SELECT p_org, s.id, s.member, s.channel, s.action, s.kind,
	    s.occurred_at,
	    coalesce(s.initiative, CASE
		WHEN c.incentive IS NULL THEN 'self'
		WHEN c.incentive IN ('none', 'recognition') THEN 'prompted'
		ELSE 'incentivized' END),
	    coalesce(s.rewarded, coalesce(c.incentive NOT IN ('none',
		'recognition'), false)),
	    coalesce(s.beneficiary, 'self'), s.quality, s.level,
	    s.campaign, s.value, s.properties, now(), p_xact
	FROM jsonb_to_recordset(p_items) AS s(id text, member text,
	    channel text, action text, kind text, occurred_at timestamptz,
	    initiative text, rewarded boolean, beneficiary text,
	    quality double precision, level smallint, campaign text,
	    value double precision, properties jsonb)
	LEFT JOIN amp.campaigns c ON c.org_id = p_org AND c.id = s.campaign;
END
$$;

-- A batch in one statement, as an optimistic insert. INSERT ... ON
-- CONFLICT DO NOTHING checks every row against the key before inserting it
-- (a speculative insertion), some 10-15 % of an ingest's cost. Batches are
-- almost always new, so a batch is inserted plainly first; only when an id
-- is stored already (a retry) or being stored by a concurrent batch does
-- it roll back to the savepoint and insert with ON CONFLICT, which keeps
-- the first version of each event. Rows go in id order, so two batches
-- sharing new ids wait on each other in one order, never in a cycle (a
-- deadlock). Batches name existing campaigns almost always too, so the
-- foreign key finds an unknown one and only then are the items that name
-- one listed (422); a retry lists them before its insert. The rollups
-- take the stored events in the same transaction. The body comes as text
-- (the service has checked it): on Citus the coordinator forwards the call
-- without parsing the body and printing it again, and it is parsed once,
-- here, on the org's node.
CREATE OR REPLACE FUNCTION amp.ingest_events(p_org text, p_body text)
RETURNS TABLE (status int, body jsonb)
LANGUAGE plpgsql AS $$
DECLARE
	items jsonb := p_body::jsonb->'events';
	-- The storing transaction, for amp.read_mastery (migration 012).
	xact bigint := pg_current_xact_id()::text::bigint;
	bad jsonb;
	added amp.events[];
	n int;
BEGIN
	PERFORM amp.tenant(p_org);
	BEGIN
		WITH ins AS (
			INSERT INTO amp.events
			SELECT * FROM amp.event_rows(p_org, items, xact) r
			ORDER BY r.id
			RETURNING *
		)
		SELECT array_agg(ROW(i.*)::amp.events) INTO added FROM ins i;
	EXCEPTION
	WHEN foreign_key_violation THEN
		-- None listed: the campaign went after the insert looked (the
		-- caller answers 409, retry).
		bad := amp.missing_refs(p_org, items, 'events', 'campaign');
		IF bad IS NULL THEN
			RAISE;
		END IF;
	WHEN unique_violation THEN
		bad := amp.missing_refs(p_org, items, 'events', 'campaign');
		IF bad IS NULL THEN
			WITH ins AS (
				INSERT INTO amp.events
				SELECT * FROM amp.event_rows(p_org, items, xact) r
				ORDER BY r.id
				ON CONFLICT (org_id, id) DO NOTHING
				RETURNING *
			)
			SELECT array_agg(ROW(i.*)::amp.events) INTO added
			FROM ins i;
		END IF;
	END;
	IF bad IS NOT NULL THEN
		RETURN QUERY SELECT 422, amp.unknown_refs(bad);
		RETURN;
	END IF;

	n := coalesce(cardinality(added), 0);
	PERFORM amp.rollup_apply(p_org, added, 1);
	PERFORM amp.channel_apply(p_org, added, 1);
	RETURN QUERY SELECT 200, jsonb_build_object('accepted', n,
	    'duplicates', jsonb_array_length(items) - n);
END
$$;

CREATE OR REPLACE FUNCTION amp.list_events(p_org text, p_member text,
    p_channel text, p_campaign text, p_from text, p_to text,
    p_limit int, p_cursor text)
RETURNS TABLE (status int, body jsonb)
LANGUAGE plpgsql STABLE AS $$
DECLARE
	c text[] := amp.cursor_decode(p_cursor, 2);
	after_ts timestamptz := '-infinity';
	after_id text := '';
	zone text;
	f timestamptz;
	t timestamptz;
BEGIN
	PERFORM amp.tenant(p_org);
	-- Bounds as src/params.c passes them: dates are the org's days.
	zone := amp.org_zone(p_org);
	f := amp.bound(p_from, false, zone);
	t := amp.bound(p_to, true, zone);
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
	    'd', amp.event_json(ROW(e.*)::amp.events))
	    ORDER BY e.occurred_at, e.id)
	    FROM (SELECT * FROM amp.events x
		WHERE x.org_id = p_org
		    AND x.occurred_at >= f AND x.occurred_at < t
		    AND (x.occurred_at, x.id) > (after_ts, after_id)
		    AND (p_member IS NULL OR x.member = p_member)
		    AND (p_channel IS NULL OR x.channel = p_channel)
		    AND (p_campaign IS NULL OR x.campaign = p_campaign)
		ORDER BY x.occurred_at, x.id
		LIMIT p_limit + 1) e), p_limit);
END
$$;

-- Results -------------------------------------------------------------

CREATE OR REPLACE FUNCTION amp.ingest_results(p_org text, p_body jsonb)
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

-- Members ---------------------------------------------------------------

-- One member's engagement profile, read from that member's events (the
-- member index bounds it to one person's history).
CREATE OR REPLACE FUNCTION amp.member_profile(p_org text, p_member text)
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

-- Erasure: the member's events, every aggregate built from them and the
-- member's survey responses go in one transaction; afterwards every read
-- is as if they were never recorded.
CREATE OR REPLACE FUNCTION amp.erase_member(p_org text, p_member text)
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
	PERFORM amp.channel_apply(p_org, gone, -1);
	DELETE FROM amp.survey_responses r
	WHERE r.org_id = p_org AND r.member = p_member;
	RETURN QUERY SELECT 204, '{}'::jsonb;
END
$$;
