-- Connectors: an org's GitHub webhook (its secret and paid staff), and
-- the deliveries it sends, verified and stored through amp.ingest_events.
-- What a delivery becomes is decided in C (src/core/github.c); only the
-- signature check needs the secret, and happens here.

CREATE OR REPLACE FUNCTION amp.github_connector_json(p_org text,
    p_staff text[], p_created timestamptz, p_updated timestamptz,
    p_host text, p_proto text) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
	path text := '/v1/hooks/github/' || p_org;
BEGIN
	RETURN jsonb_build_object('platform', 'github', 'path', path,
	    -- Behind a TLS proxy the scheme comes from X-Forwarded-Proto.
	    'url', CASE WHEN p_host ~ '^[A-Za-z0-9.:\[\]-]{1,255}$' THEN
		CASE WHEN p_proto = 'https' THEN 'https' ELSE 'http' END
		|| '://' || p_host || path END,
	    'content_types', jsonb_build_array('application/json',
		'application/x-www-form-urlencoded'),
	    'staff', to_jsonb(p_staff),
	    'created_at', amp.ts(p_created), 'updated_at', amp.ts(p_updated));
END
$$;

CREATE OR REPLACE FUNCTION amp.get_github_connector(p_org text, p_host text,
    p_proto text)
RETURNS TABLE (status int, body jsonb)
LANGUAGE plpgsql STABLE AS $$
DECLARE
	doc jsonb;
BEGIN
	PERFORM amp.tenant(p_org);
	SELECT amp.github_connector_json(p_org, c.staff, c.created_at,
	    c.updated_at, p_host, p_proto) INTO doc
	FROM amp.connectors c
	WHERE c.org_id = p_org AND c.platform = 'github';
	IF doc IS NULL THEN
		RETURN QUERY SELECT 404, amp.not_found('a GitHub connector');
	ELSE
		RETURN QUERY SELECT 200, doc;
	END IF;
END
$$;

-- The secret is written, never read back: the service role has no SELECT
-- on it, so this updates then inserts rather than INSERT ... ON CONFLICT.
CREATE OR REPLACE FUNCTION amp.put_github_connector(p_org text, p jsonb,
    p_host text, p_proto text)
RETURNS TABLE (status int, body jsonb)
LANGUAGE plpgsql AS $$
DECLARE
	k bytea := convert_to(p->>'secret', 'UTF8');
	s text[] := ARRAY(SELECT jsonb_array_elements_text(
	    coalesce(p->'staff', '[]')));
	st int := 200;
	r record;
BEGIN
	PERFORM amp.tenant(p_org);
	UPDATE amp.connectors c SET secret = k, staff = s, updated_at = now()
	WHERE c.org_id = p_org AND c.platform = 'github'
	RETURNING c.staff, c.created_at, c.updated_at INTO r;
	IF NOT FOUND THEN
		INSERT INTO amp.connectors AS c (org_id, platform, secret, staff)
		VALUES (p_org, 'github', k, s)
		RETURNING c.staff, c.created_at, c.updated_at INTO r;
		st := 201;
	END IF;
	RETURN QUERY SELECT st, amp.github_connector_json(p_org, r.staff,
	    r.created_at, r.updated_at, p_host, p_proto);
END
$$;

CREATE OR REPLACE FUNCTION amp.delete_github_connector(p_org text)
RETURNS TABLE (status int, body jsonb)
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM amp.tenant(p_org);
	DELETE FROM amp.connectors c
	WHERE c.org_id = p_org AND c.platform = 'github';
	IF FOUND THEN
		RETURN QUERY SELECT 204, '{}'::jsonb;
	ELSE
		RETURN QUERY SELECT 404, amp.not_found('a GitHub connector');
	END IF;
END
$$;

-- Whether p_digest (hex) is the HMAC-SHA256 of the body under the org's
-- secret. It runs as the owner, the one role that reads secrets. The two
-- digests are compared through a second HMAC under a fresh random key, so
-- the time the comparison takes tells nothing about how much of a forged
-- digest was right; an org without a connector costs the same HMACs.
CREATE OR REPLACE FUNCTION amp.github_signed(p_org text, p_body text,
    p_digest text) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	blind bytea := amp.gen_random_bytes(32);
	key bytea;
	ok boolean;
BEGIN
	SELECT c.secret INTO key FROM amp.connectors c
	WHERE c.org_id = p_org AND c.platform = 'github';
	ok := amp.hmac(decode(coalesce(p_digest, ''), 'hex'), blind, 'sha256')
	    = amp.hmac(amp.hmac(convert_to(p_body, 'UTF8'),
	    coalesce(key, blind), 'sha256'), blind, 'sha256');
	RETURN ok AND key IS NOT NULL;
END
$$;
REVOKE EXECUTE ON FUNCTION amp.github_signed(text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION amp.github_signed(text, text, text) TO amp_app;

-- One delivery: p_event is the Event it maps to (NULL when nothing is to
-- be stored, and p_reply is then the answer: why not, or a problem). No
-- answer but 401 before the signature verifies. Staff get their work
-- marked paid; the event goes through the ingest of POST /v1/events.
CREATE OR REPLACE FUNCTION amp.github_delivery(p_org text, p_body text,
    p_signature text, p_event jsonb, p_reply jsonb)
RETURNS TABLE (status int, body jsonb)
LANGUAGE plpgsql AS $$
DECLARE
	ev jsonb := p_event;
	paid boolean;
	st int;
	doc jsonb;
BEGIN
	PERFORM amp.tenant(p_org);
	IF NOT amp.github_signed(p_org, p_body, p_signature) THEN
		RETURN QUERY SELECT 401, amp.problem(401, 'the signature does '
		    'not verify with this org''s GitHub connector');
		RETURN;
	END IF;
	IF ev IS NULL THEN
		RETURN QUERY SELECT coalesce((p_reply->>'status')::int, 200),
		    p_reply;
		RETURN;
	END IF;

	SELECT EXISTS (SELECT 1 FROM amp.connectors c, unnest(c.staff) s
	    WHERE c.org_id = p_org AND c.platform = 'github'
		AND lower(s) = lower(substr(ev->>'member', 8)))
	INTO paid;
	IF paid THEN
		ev := ev || '{"initiative": "incentivized", "rewarded": true}';
	END IF;
	SELECT i.status, i.body INTO st, doc
	FROM amp.ingest_events(p_org, jsonb_build_object('events',
	    jsonb_build_array(ev))::text) i;
	IF st <> 200 THEN
		RETURN QUERY SELECT st, doc;
	ELSIF (doc->>'accepted')::int = 1 THEN
		RETURN QUERY SELECT 201, jsonb_build_object('stored', true,
		    'id', ev->>'id', 'staff', paid);
	ELSE
		RETURN QUERY SELECT 200, jsonb_build_object('stored', false,
		    'id', ev->>'id', 'reason', 'a redelivery: stored already');
	END IF;
END
$$;
