-- Per-member figures (mastery, survey groups, campaign impact) are read
-- from the window's events, not from member_days (issue #13). In a
-- long-tail community a member has about one event on a day, so the
-- table held about as many rows as the events: each ingest batch upserted
-- one row per event besides storing it (a third of its database time),
-- and reading the member rows of a window cost no less than reading its
-- events through the events' time index. The tallies kept per window
-- (amp.mastery_memo) are unchanged: they are the same numbers.
DROP FUNCTION IF EXISTS amp.member_deltas(amp.events[], int, text);
DROP FUNCTION IF EXISTS amp.read_mastery(text, date[], date[], text, text,
    int);
DROP TABLE amp.member_days;
