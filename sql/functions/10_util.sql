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

CREATE OR REPLACE FUNCTION amp.ts(p timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT to_char(p AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
$$;

-- Window bounds for indicator reads: UTC days covering the instants asked.
CREATE OR REPLACE FUNCTION amp.day_floor(p timestamptz) RETURNS date
LANGUAGE sql IMMUTABLE AS $$
	SELECT (p AT TIME ZONE 'UTC')::date
$$;

CREATE OR REPLACE FUNCTION amp.day_ceil(p timestamptz) RETURNS date
LANGUAGE sql IMMUTABLE AS $$
	SELECT ((p - interval '1 microsecond') AT TIME ZONE 'UTC')::date + 1
$$;

CREATE OR REPLACE FUNCTION amp.day_ts(p date) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
	SELECT to_char(p, 'YYYY-MM-DD') || 'T00:00:00Z'
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
