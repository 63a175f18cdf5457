-- amp.ingest_events takes its body as text (sql/functions/40_events.sql):
-- the jsonb version goes, so that a call resolves to one function.
DROP FUNCTION IF EXISTS amp.ingest_events(text, jsonb);
