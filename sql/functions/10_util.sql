-- Helpers shared by every API function: the tenant, time formats, problem
-- documents, page cursors, readiness.
--
-- Every API function returns (status int, body jsonb). A body with a
-- status outside 2xx is the core of an RFC 9457 problem: status, detail
-- and, when there are any, errors (each naming a JSON Pointer or a query
-- parameter). The service adds type and title from the status
-- (problem_kinds in src/api.c), so they are said in one place.

-- Row-level security reads the org of the statement from amp.org.
CREATE OR REPLACE FUNCTION amp.tenant(p_org text) RETURNS void
LANGUAGE sql AS $$
	SELECT set_config('amp.org', p_org, true)
$$;

-- STABLE, as to_char is: a SQL function is inlined into the query that
-- calls it only when it claims no more than its body does (an answer of
-- many windows formats some thousand instants).
CREATE OR REPLACE FUNCTION amp.ts(p timestamptz) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
	SELECT to_char(p AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
$$;

-- Days are the org's own (shared/INDICATORS.md, "Days and time zones"):
-- calendar days of its `timezone` setting, UTC by default. PL/pgSQL, as it
-- reads a tenant table (Citus refuses such SQL functions).
CREATE OR REPLACE FUNCTION amp.org_zone(p_org text) RETURNS text
LANGUAGE plpgsql STABLE AS $$
DECLARE
	zone text;
BEGIN
	-- One table, no subquery: Citus' fast path (amp.windows_data).
	SELECT s.timezone INTO zone FROM amp.settings s
	WHERE s.org_id = p_org;
	RETURN coalesce(zone, 'UTC');
END
$$;

-- The local day of an instant, and the local day after the one holding
-- the instant just before p: the days covering [from, to).
CREATE OR REPLACE FUNCTION amp.day_floor(p timestamptz, p_zone text)
RETURNS date
LANGUAGE sql IMMUTABLE AS $$
	SELECT (p AT TIME ZONE p_zone)::date
$$;

CREATE OR REPLACE FUNCTION amp.day_ceil(p timestamptz, p_zone text)
RETURNS date
LANGUAGE sql IMMUTABLE AS $$
	SELECT ((p - interval '1 microsecond') AT TIME ZONE p_zone)::date + 1
$$;

-- The instant a local day starts (a midnight that a DST change skips
-- means the first instant of that day).
CREATE OR REPLACE FUNCTION amp.day_start(p date, p_zone text)
RETURNS timestamptz
LANGUAGE sql IMMUTABLE AS $$
	SELECT p::timestamp AT TIME ZONE p_zone
$$;

-- A day's start as answers show it: the UTC instant, to the second
-- (STABLE, as amp.ts).
CREATE OR REPLACE FUNCTION amp.day_ts(p date, p_zone text) RETURNS text
LANGUAGE sql STABLE AS $$
	SELECT to_char(amp.day_start(p, p_zone) AT TIME ZONE 'UTC',
	    'YYYY-MM-DD"T"HH24:MI:SS"Z"')
$$;

-- Elapsed days from the start of local day p_from to that of p_to: a DST
-- day is 23 or 25 hours.
CREATE OR REPLACE FUNCTION amp.span_days(p_from date, p_to date,
    p_zone text) RETURNS float8
LANGUAGE sql IMMUTABLE AS $$
	SELECT extract(epoch FROM amp.day_start(p_to, p_zone)
	    - amp.day_start(p_from, p_zone))::float8 / 86400
$$;

-- A window bound as the service passes it (src/params.c): a date
-- YYYY-MM-DD, resolved here in the org's zone (a lower bound is the start
-- of that day, an upper one its end), or an RFC 3339 instant.
CREATE OR REPLACE FUNCTION amp.bound(p text, p_upper boolean, p_zone text)
RETURNS timestamptz
LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE WHEN p ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'
	    THEN amp.day_start(p::date + CASE WHEN p_upper THEN 1 ELSE 0 END,
		p_zone)
	    ELSE p::timestamptz END
$$;

CREATE OR REPLACE FUNCTION amp.problem(p_status int, p_detail text,
    p_errors jsonb DEFAULT NULL) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
	SELECT jsonb_build_object('status', p_status, 'detail', p_detail)
	    || CASE WHEN p_errors IS NULL THEN '{}'::jsonb
	       ELSE jsonb_build_object('errors', p_errors) END
$$;

CREATE OR REPLACE FUNCTION amp.not_found(p_what text) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
	SELECT amp.problem(404, p_what || ' does not exist')
$$;

-- A query parameter the database found wrong (a campaign filter naming no
-- campaign, too many buckets).
CREATE OR REPLACE FUNCTION amp.filter_problem(p_param text, p_detail text)
RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
	SELECT amp.problem(400, p_param || ' ' || p_detail,
	    jsonb_build_array(jsonb_build_object('parameter', p_param,
	    'detail', p_detail)))
$$;

-- A batch naming things the org does not have (p_errors: pointers).
CREATE OR REPLACE FUNCTION amp.unknown_refs(p_errors jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
	SELECT amp.problem(422,
	    'the batch names things that do not exist; nothing was written',
	    (SELECT jsonb_agg(e) FROM (SELECT e FROM jsonb_array_elements(p_errors) e
	    LIMIT 100) s))
$$;

-- Opaque page cursors: base64url of a JSON array of the last row's keys.
CREATE OR REPLACE FUNCTION amp.cursor_encode(VARIADIC p_keys text[])
RETURNS text
LANGUAGE sql IMMUTABLE AS $$
	SELECT translate(encode(convert_to(to_jsonb(p_keys)::text, 'UTF8'),
	    'base64'), E'+/=\n', '-_')
$$;

-- NULL when the cursor is not one this service wrote.
CREATE OR REPLACE FUNCTION amp.cursor_decode(p_cursor text, p_len int)
RETURNS text[]
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

CREATE OR REPLACE FUNCTION amp.bad_cursor() RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
	SELECT amp.problem(400,
	    'cursor is not valid; pass next_cursor from a previous page',
	    jsonb_build_array(jsonb_build_object('parameter', 'cursor',
	    'detail', 'is not a cursor this service issued')))
$$;

-- A page of a list: p_rows holds up to p_limit + 1 rows in order, each
-- {"k": its cursor keys (array), "d": its document}; one more row than the
-- page means there is a next page, which starts after the last row shown.
CREATE OR REPLACE FUNCTION amp.page(p_rows jsonb, p_limit int) RETURNS jsonb
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
CREATE OR REPLACE FUNCTION amp.page_answer(p_cursor text, p_key text[],
    p_rows jsonb, p_limit int) RETURNS TABLE (status int, body jsonb)
LANGUAGE sql IMMUTABLE AS $$
	SELECT 400, amp.bad_cursor() WHERE p_cursor IS NOT NULL AND p_key IS NULL
	UNION ALL
	SELECT 200, amp.page(p_rows, p_limit)
	WHERE p_cursor IS NULL OR p_key IS NOT NULL
$$;

CREATE OR REPLACE FUNCTION amp.epoch_us(p timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
	SELECT (extract(epoch FROM p) * 1000000)::bigint::text
$$;

CREATE OR REPLACE FUNCTION amp.from_epoch_us(p text) RETURNS timestamptz
LANGUAGE sql IMMUTABLE AS $$
	SELECT timestamptz 'epoch' + p::bigint * interval '1 microsecond'
$$;

-- Ready when the schema in place is exactly the one this build of the
-- service was made from: p_expected is the version scripts/build.sh
-- computed (scripts/schema-version.sh), the one in amp.schema_version is
-- what scripts/migrate.sh applied. The answer names the number of
-- migrations in place.
CREATE OR REPLACE FUNCTION amp.ready(p_expected text)
RETURNS TABLE (status int, body jsonb)
LANGUAGE sql STABLE AS $$
	SELECT CASE WHEN current THEN 200 ELSE 503 END,
	    CASE WHEN current THEN jsonb_build_object('status', 'ready',
		'schema_version', (SELECT count(*)::int
		FROM amp.schema_migrations))
	    ELSE amp.problem(503, 'the database schema is not the one this '
		'service was built for; run the migrations')
	    END
	FROM (SELECT coalesce((SELECT v.version = p_expected
	    FROM amp.schema_version v), false) AS current) s
$$;
