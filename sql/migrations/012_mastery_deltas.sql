-- Mastery kept per window is brought up to date by what changed, not
-- computed again (issue #13). A window's mastery compares its halves
-- member by member: after one new event, every member of the window was
-- grouped again (2.3 million rows, 4-5 s, at 10^7 events and 10^5
-- members), so a dashboard of the last days, whose window every new event
-- changes, never got a kept answer while events arrived.
--
-- Each event now names the transaction that stored it (xact, the
-- transaction id as pg_current_xact_id gives it), and what is kept of a
-- window names the snapshot it was computed in (snap). The events since
-- are those of a transaction that snapshot did not see; the members they
-- touch are counted again, with and without them, and the difference is
-- added to what was kept (amp.read_mastery). The events since are found
-- through an index on xact: transaction ids only grow, so ingestion adds
-- to its last page (and a batch's rows share one key, which the index
-- keeps once), at little cost. (A BRIN index would cost less still, but
-- the planner then ANDs it with the org's whole primary key range.)
--
-- Events stored before this migration, or by a load that bypasses the
-- API (COPY, which amp.rebuild_rollups must follow and which starts a new
-- rollup generation), have no xact: every snapshot saw them.
ALTER TABLE amp.events ADD COLUMN xact bigint;
CREATE INDEX events_xact ON amp.events (xact) WHERE xact IS NOT NULL;
-- What was kept before has no snapshot: it is computed again once.
ALTER TABLE amp.mastery_memo ADD COLUMN snap pg_snapshot;
DROP FUNCTION IF EXISTS amp.read_mastery(text, date[], date[], text, text,
    text, int);
DROP FUNCTION IF EXISTS amp.event_rows(text, jsonb);
DROP FUNCTION IF EXISTS amp.read_memos(text, text, date, date, text, text);
