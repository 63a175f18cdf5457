-- The first amp.read_mastery (text, date[], date[], text, text), which
-- migration 010 did not drop when the budget argument came: a database
-- migrated through it still had it, unused.
DROP FUNCTION IF EXISTS amp.read_mastery(text, date[], date[], text, text);
