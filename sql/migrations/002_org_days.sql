-- The organization's own days (issue #13): each org names its time zone,
-- and its rollups are kept by its local days and months.
--
-- day_stats.day and member_months.month (with its 31 day slots) become
-- days of the org's zone; with the default zone, UTC, every row already
-- stored keeps its meaning. Changing the zone re-derives the org's rollups
-- (amp.put_settings).
ALTER TABLE amp.settings ADD COLUMN timezone text NOT NULL DEFAULT 'UTC';

-- Folding is per org (amp.fold_member_log), so the log is read by org;
-- the cross-org order of the log is not needed any more.
DROP INDEX amp.member_log_batch_seq;
CREATE INDEX member_log_batch_org_seq ON amp.member_log_batch (org_id, seq);

-- Signatures that went away (sql/functions/ now has them with the zone,
-- or per org): their old versions must not stay callable.
DROP FUNCTION IF EXISTS amp.compact_rollups(int);
DROP FUNCTION IF EXISTS amp.day_floor(timestamptz);
DROP FUNCTION IF EXISTS amp.day_ceil(timestamptz);
DROP FUNCTION IF EXISTS amp.day_ts(date);
DROP FUNCTION IF EXISTS amp.day_deltas(amp.events[]);
DROP FUNCTION IF EXISTS amp.log_deltas(text, amp.events[], int);
DROP FUNCTION IF EXISTS amp.windows_data(text, date[], date[], text, text);
DROP FUNCTION IF EXISTS amp.indicators(text, text, text, timestamptz,
    timestamptz);
DROP FUNCTION IF EXISTS amp.indicator_series(text, text, text, text,
    timestamptz, timestamptz);
DROP FUNCTION IF EXISTS amp.list_events(text, text, text, text, timestamptz,
    timestamptz, int, text);
DROP FUNCTION IF EXISTS amp.survey_summary(text, text, timestamptz,
    timestamptz, text, text);
DROP FUNCTION IF EXISTS amp.settings_json(int, timestamptz);
DROP FUNCTION IF EXISTS amp.put_settings(text, jsonb);
