-- A belief's evaluation, kept with the stamp of what it was computed from
-- (issue #13).
--
-- A belief is tested on its indicator's daily values: 56 windows by
-- default, each the whole indicators document, which src/core/evidence.c
-- reduces to one number a day and a Welch test. A page of 50 beliefs is
-- 2 800 windows, some 1 MB of JSON, on every read (111 times the 90-day
-- read at 10^7 events). What the service answered for a belief is now
-- kept with the stamp of its inputs (amp.belief_stamps) and answered
-- again while the stamp is unchanged, so a read stays exact.
--
-- The stamp covers every input: the rollup generation and the zone (an
-- erasure or a change of zone starts a new generation), the belief's
-- local days (its change point, which a campaign's start may move, and
-- the last complete day, which today moves), the event total of those
-- days over every channel (events are only added while the generation
-- holds), the number of KPI observations in them (only ever added) and
-- the KPIs' definitions. The evaluation is what src/core/evidence.c
-- answers: a release changing that answer empties this table in its
-- migration.
CREATE TABLE amp.belief_memo (
	org_id		text NOT NULL,
	belief		text NOT NULL,
	stamp		text NOT NULL,
	doc		jsonb NOT NULL,	-- the belief as answered
	PRIMARY KEY (org_id, belief),
	FOREIGN KEY (org_id, belief) REFERENCES amp.beliefs (org_id, id)
	    ON DELETE CASCADE
);
ALTER TABLE amp.belief_memo ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant ON amp.belief_memo USING
    (org_id = current_setting('amp.org', true)) WITH CHECK
    (org_id = current_setting('amp.org', true));
GRANT SELECT, INSERT, UPDATE, DELETE ON amp.belief_memo TO amp_app;

-- amp.belief_data now takes the days its stamp names (70_evidence.sql).
DROP FUNCTION IF EXISTS amp.belief_data(text, amp.beliefs, int);
