-- channel_stats: per org and channel, how many events are stored and the
-- first and last event time (occurred_at), for GET /v1/channels. Kept
-- exact by ingestion and erasure (amp.channel_apply,
-- sql/functions/45_channels.sql), so a list reads its page and never the
-- events. Channels sort in byte order (COLLATE "C") whatever the
-- database's locale, so the key is also the list's order and its cursor.

CREATE TABLE amp.channel_stats (
	org_id		text NOT NULL,
	channel		text COLLATE "C" NOT NULL,
	events		bigint NOT NULL CHECK (events > 0),
	first_at	timestamptz NOT NULL,
	last_at		timestamptz NOT NULL,
	PRIMARY KEY (org_id, channel)
) WITH (fillfactor = 70);

ALTER TABLE amp.channel_stats ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant ON amp.channel_stats USING
    (org_id = current_setting('amp.org', true)) WITH CHECK
    (org_id = current_setting('amp.org', true));
GRANT SELECT, INSERT, UPDATE, DELETE ON amp.channel_stats TO amp_app;

-- The events stored before this migration.
INSERT INTO amp.channel_stats (org_id, channel, events, first_at, last_at)
SELECT org_id, channel, count(*), min(occurred_at), max(occurred_at)
FROM amp.events
GROUP BY org_id, channel;
