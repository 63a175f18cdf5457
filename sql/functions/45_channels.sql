-- Channels: per org and channel, the events stored and the first and last
-- event time (the table channel_stats, sql/migrations/004_channels.sql).
-- Ingestion and erasure keep it exact in their own statement, so
-- GET /v1/channels reads one page of it, never the events.

-- Adds (sign 1) or takes away (sign -1) a set of stored events. Rows are
-- locked in channel order, after the rollups' rows, as by every writer,
-- so concurrent batches and erasures cannot deadlock.
CREATE OR REPLACE FUNCTION amp.channel_apply(p_org text, p amp.events[],
    p_sign int)
RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	IF p IS NULL OR cardinality(p) = 0 THEN
		RETURN;
	END IF;
	IF p_sign > 0 THEN
		INSERT INTO amp.channel_stats AS t (org_id, channel, events,
		    first_at, last_at)
		SELECT p_org, e.channel, count(*), min(e.occurred_at),
		    max(e.occurred_at)
		FROM unnest(p) e
		GROUP BY e.channel
		ORDER BY e.channel COLLATE "C"
		ON CONFLICT (org_id, channel) DO UPDATE SET
		    events = t.events + excluded.events,
		    first_at = least(t.first_at, excluded.first_at),
		    last_at = greatest(t.last_at, excluded.last_at);
		RETURN;
	END IF;

	-- Erasure. Once the rows are locked, a batch adding to them waits for
	-- this transaction, and each statement below sees every event
	-- committed before it (a new snapshot per statement).
	PERFORM 1 FROM amp.channel_stats t
	WHERE t.org_id = p_org AND t.channel IN (SELECT e.channel
	    FROM unnest(p) e)
	ORDER BY t.channel
	FOR UPDATE;

	-- A channel whose every event was erased goes.
	DELETE FROM amp.channel_stats t
	USING (SELECT e.channel, count(*) AS n FROM unnest(p) e
	    GROUP BY e.channel) g
	WHERE t.org_id = p_org AND t.channel = g.channel AND t.events <= g.n;

	-- Where the first (or last) event was erased, the remaining events
	-- give the new one. The rollups, already without the erased events,
	-- name the first (last) day the channel still has events; the events
	-- index is read from a day before it (a day after), so the read costs
	-- about a day of the org's events, whatever days day_stats counts in.
	UPDATE amp.channel_stats t SET
	    events = t.events - g.n,
	    first_at = CASE WHEN g.lo > t.first_at THEN t.first_at ELSE (
		SELECT e.occurred_at FROM amp.events e
		WHERE e.org_id = p_org AND e.channel = t.channel
		    AND e.occurred_at >= greatest(t.first_at,
			(g.first_day - 1)::timestamp AT TIME ZONE 'UTC')
		ORDER BY e.occurred_at LIMIT 1) END,
	    last_at = CASE WHEN g.hi < t.last_at THEN t.last_at ELSE (
		SELECT e.occurred_at FROM amp.events e
		WHERE e.org_id = p_org AND e.channel = t.channel
		    AND e.occurred_at <= least(t.last_at,
			(g.last_day + 2)::timestamp AT TIME ZONE 'UTC')
		ORDER BY e.occurred_at DESC LIMIT 1) END
	FROM (SELECT x.*, d.first_day, d.last_day
	    FROM (SELECT e.channel, count(*) AS n, min(e.occurred_at) AS lo,
		max(e.occurred_at) AS hi FROM unnest(p) e GROUP BY e.channel) x,
		LATERAL (SELECT min(s.day) AS first_day, max(s.day) AS last_day
		FROM amp.day_stats s
		WHERE s.org_id = p_org AND s.channel = x.channel) d) g
	WHERE t.org_id = p_org AND t.channel = g.channel;
END
$$;

-- An org's channel_stats rebuilt from its events: after a bulk load that
-- bypassed ingestion (amp.rebuild_rollups calls it).
CREATE OR REPLACE FUNCTION amp.rebuild_channels(p_org text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM amp.tenant(p_org);
	DELETE FROM amp.channel_stats WHERE org_id = p_org;
	INSERT INTO amp.channel_stats (org_id, channel, events, first_at,
	    last_at)
	SELECT p_org, e.channel, count(*), min(e.occurred_at),
	    max(e.occurred_at)
	FROM amp.events e
	WHERE e.org_id = p_org
	GROUP BY e.channel;
END
$$;

-- The rows of an org's channel_stats that differ from its events (none
-- when consistent): part of amp.check_rollups.
CREATE OR REPLACE FUNCTION amp.check_channels(p_org text) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN (WITH raw AS (
		SELECT e.channel COLLATE "C" AS channel, count(*) AS events,
		    min(e.occurred_at) AS first_at, max(e.occurred_at) AS last_at
		FROM amp.events e
		WHERE e.org_id = p_org
		GROUP BY 1
	), stored AS (
		SELECT s.channel, s.events, s.first_at, s.last_at
		FROM amp.channel_stats s
		WHERE s.org_id = p_org
	), diff AS (
		(SELECT 'missing' AS side, * FROM raw EXCEPT
		 SELECT 'missing', * FROM stored)
		UNION ALL
		(SELECT 'extra', * FROM stored EXCEPT SELECT 'extra', * FROM raw)
	)
	SELECT coalesce(jsonb_agg(to_jsonb(diff)), '[]') FROM diff);
END
$$;

-- GET /v1/channels: the org's channels in byte order, a page at a time.
CREATE OR REPLACE FUNCTION amp.list_channels(p_org text, p_limit int,
    p_cursor text)
RETURNS TABLE (status int, body jsonb)
LANGUAGE plpgsql STABLE AS $$
DECLARE
	k text[] := amp.cursor_decode(p_cursor, 1);
BEGIN
	PERFORM amp.tenant(p_org);
	-- A bad cursor decodes to no keys, so no row is read for it.
	RETURN QUERY SELECT * FROM amp.page_answer(p_cursor, k,
	    (SELECT jsonb_agg(jsonb_build_object('k',
	    jsonb_build_array(c.channel), 'd', jsonb_build_object(
	    'channel', c.channel, 'events', c.events,
	    'first_event_at', amp.ts(c.first_at),
	    'last_event_at', amp.ts(c.last_at))) ORDER BY c.channel)
	    FROM (SELECT * FROM amp.channel_stats x
		WHERE x.org_id = p_org
		    AND (p_cursor IS NULL OR x.channel > k[1] COLLATE "C")
		ORDER BY x.channel LIMIT p_limit + 1) c), p_limit);
END
$$;
