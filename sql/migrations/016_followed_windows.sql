-- Followed windows: their mastery is brought up to date by ingestion, in
-- each batch's own transaction (issue #13).
--
-- Until now every read of a window that events kept arriving in brought
-- its kept mastery up to date itself: each read re-judged the members
-- with an event since the read before, some 50 ms per 10 000 events on an
-- idle machine. Under sustained ingest into a dashboard's window that
-- work, on a CPU ingestion kept busy, made reads hundreds of times slower
-- than when quiet, and readers queued on the kept rows until their
-- deadline.
--
-- A window a dashboard reads again is now followed: each ingest batch
-- adds its events to the window's kept member tallies and to its kept
-- mastery and stamp (amp.fold_followed), in its own transaction, so what
-- is kept is exact in every snapshot and a read takes it as it is. A
-- window is followed only when its kept tallies hold every member of the
-- window (complete: counted whole with its members kept, or brought up to
-- date from such a base), and it becomes followed under the org's ZONE
-- lock held exclusively (amp.windows_data), so no batch can commit
-- without folding into it once it is. An org follows a bounded number of
-- windows (amp.windows_data); what is not asked for again goes, as before.
ALTER TABLE amp.mastery_memo
    ADD COLUMN followed boolean NOT NULL DEFAULT false,
    ADD COLUMN complete boolean NOT NULL DEFAULT false;
-- Ingestion finds an org's followed windows by this index.
CREATE INDEX mastery_memo_followed ON amp.mastery_memo (org_id, zone, day_from)
    WHERE followed;
DROP FUNCTION IF EXISTS amp.windows_data(text, date[], date[], text, text,
    text, int);
DROP FUNCTION IF EXISTS amp.read_memos(text, text, date, date, text, text);
-- A kept member's mastery (amp.mastery_bits) before ingestion last added
-- to its tallies: amp.fold_followed updates the row and reads back what
-- it was and what it is in one statement (PostgreSQL 15's RETURNING has
-- only the new row). Rows written by reads leave it at 0.
ALTER TABLE amp.mastery_members ADD COLUMN was int NOT NULL DEFAULT 0;
-- A member's mastery is amp.mastery_bits now, for counting whole as for
-- ingestion.
DROP FUNCTION IF EXISTS amp.mastery_of(amp.tally);
