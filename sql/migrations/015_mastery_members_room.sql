-- Room for new versions of kept member tallies (issue #13).
--
-- Bringing a window's kept mastery up to date writes again the tallies of
-- every member with an event since (amp.keep_mastery): under sustained
-- ingestion some thousands of rows a read, each a new row version. With
-- free room on its page a new version is heap-only (HOT): no new index
-- entry (in the lab, an upsert of 3 156 tallies: 24.7 ms before, 20.5
-- after). Pages written from now on keep half of them free.
ALTER TABLE amp.mastery_members SET (fillfactor = 50);

-- Tallies are added up in amp.read_mastery, column by column.
DROP FUNCTION IF EXISTS amp.tally_add(amp.tally, amp.tally);
