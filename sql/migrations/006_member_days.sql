-- Member rollups by day, written inside the ingest statement (issue #13).
--
-- The member log (member_log_batch) and its fold into member_months (one
-- row of nine 31-slot running-total arrays per member-month) cost some
-- 200 ms per ingest batch of long-tail data: every batch rewrote ~1 000
-- wide rows, folding fell behind sustained ingest, the log grew without
-- bound and reads, which add it up, slowed down past the deadline.
-- member_days keeps one narrow row of counts per member, local day,
-- channel and campaign (and one of all channels and campaigns together,
-- channel = campaign = '', so that an unfiltered read takes one row per
-- member-day): ingestion upserts a batch's rows in its own statement, so
-- there is no backlog, nothing to fold, and a read is exact as soon as
-- the batch is committed.
CREATE TABLE amp.member_days (
	org_id		text NOT NULL,
	channel		text NOT NULL,
	day		date NOT NULL,
	campaign	text NOT NULL,
	member		text NOT NULL,
	ev		int NOT NULL,	-- events
	sig_n		int NOT NULL,	-- competence-signalled events
	sig_sum		float8 NOT NULL,	-- their signals' sum
	k1		int NOT NULL,	-- consume
	k2		int NOT NULL,	-- react
	k3		int NOT NULL,	-- create
	k4		int NOT NULL,	-- contribute
	fc		int NOT NULL,	-- free-choice events
	pr		int NOT NULL,	-- active events under pressure
	PRIMARY KEY (org_id, channel, day, campaign, member)
) PARTITION BY LIST (channel);
-- The all-channels rows apart: an unfiltered read's rows sit together.
CREATE TABLE amp.member_days_all PARTITION OF amp.member_days
    FOR VALUES IN ('') WITH (fillfactor = 90);
CREATE TABLE amp.member_days_channels PARTITION OF amp.member_days
    DEFAULT WITH (fillfactor = 90);
CREATE INDEX member_days_campaign ON amp.member_days (org_id, campaign, day)
    WHERE campaign <> '';

-- The rows of what is stored, by each org's days (its zone, UTC unless
-- set): the same tallies amp.member_deltas derives.
INSERT INTO amp.member_days (org_id, channel, day, campaign, member, ev,
    sig_n, sig_sum, k1, k2, k3, k4, fc, pr)
SELECT e.org_id, coalesce(e.channel, ''),
    (e.occurred_at AT TIME ZONE coalesce(s.timezone, 'UTC'))::date AS day,
    coalesce(e.campaign, ''), e.member, count(*),
    count(coalesce(e.quality, (e.level - 1) / 4.0)),
    coalesce(sum(coalesce(e.quality, (e.level - 1) / 4.0)), 0),
    count(*) FILTER (WHERE e.kind = 'consume'),
    count(*) FILTER (WHERE e.kind = 'react'),
    count(*) FILTER (WHERE e.kind = 'create'),
    count(*) FILTER (WHERE e.kind = 'contribute'),
    count(*) FILTER (WHERE e.kind IN ('react', 'create', 'contribute')
	AND e.initiative = 'self' AND NOT e.rewarded AND e.campaign IS NULL),
    count(*) FILTER (WHERE e.kind IN ('react', 'create', 'contribute')
	AND (e.initiative = 'incentivized' OR e.rewarded))
FROM amp.events e
LEFT JOIN amp.settings s ON s.org_id = e.org_id
GROUP BY GROUPING SETS ((e.org_id, day, e.member, e.channel, e.campaign),
    (e.org_id, day, e.member));

ALTER TABLE amp.member_days ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant ON amp.member_days USING
    (org_id = current_setting('amp.org', true)) WITH CHECK
    (org_id = current_setting('amp.org', true));
GRANT SELECT, INSERT, UPDATE, DELETE ON amp.member_days TO amp_app;

-- What the log and the month rows needed goes.
DROP FUNCTION IF EXISTS amp.fold_member_log(text, int);
DROP FUNCTION IF EXISTS amp.pending_orgs();
DROP FUNCTION IF EXISTS amp.member_rollup(text, date, date);
DROP FUNCTION IF EXISTS amp.month_running(amp.member_log[]);
DROP FUNCTION IF EXISTS amp.with_totals(amp.member_log[]);
DROP FUNCTION IF EXISTS amp.log_deltas(text, amp.events[], int, text);
DROP FUNCTION IF EXISTS amp.segment(boolean, int, int, anyelement);
DROP AGGREGATE IF EXISTS amp.cat(anycompatiblearray);
DROP FUNCTION IF EXISTS amp.vadd(int[], int[]);
DROP FUNCTION IF EXISTS amp.vadd(float8[], float8[]);
DROP FUNCTION IF EXISTS amp.span(anyarray, date, date, date);
DROP FUNCTION IF EXISTS amp.between(anyarray, int, int);
DROP FUNCTION IF EXISTS amp.day_index(date, date);
DROP TABLE amp.member_log_batch;
DROP TABLE amp.member_months;
DROP TYPE amp.member_log;
