-- Erases everything of one org, so `make demo` can load the demo again.
--   psql -v ON_ERROR_STOP=1 -v org=demo -f scripts/demo/erase.sql OWNER_URL
-- Run as the owner (row-level security does not bind it). One transaction:
-- nothing half-erased. Every table of schema amp with an org_id column,
-- found in the catalog so that a table added later is not forgotten; those
-- that other tables reference go after them.
\o /dev/null
SELECT set_config('amp.erase_org', :'org', false);
\o

DO $$
DECLARE
	org text := current_setting('amp.erase_org');
	left_ oid[];
	ready oid[];
	t oid;
BEGIN
	SELECT array_agg(c.oid ORDER BY c.relname)
	INTO left_
	FROM pg_class c
	JOIN pg_namespace n ON n.oid = c.relnamespace
	WHERE n.nspname = 'amp' AND c.relkind IN ('r', 'p')
	    AND NOT c.relispartition
	    -- Kept and advanced below: a generation must never recur
	    -- (sql/migrations/009_mastery_memo.sql).
	    AND c.relname <> 'rollup_generation'
	    AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid
		AND a.attname = 'org_id' AND NOT a.attisdropped);
	WHILE cardinality(left_) > 0 LOOP
		-- The tables no other remaining table refers to.
		ready := ARRAY(SELECT x FROM unnest(left_) WITH ORDINALITY u(x, i)
		    WHERE NOT EXISTS (SELECT 1 FROM pg_constraint k
			WHERE k.contype = 'f' AND k.confrelid = x
			    AND k.conrelid <> x AND k.conrelid = ANY (left_))
		    ORDER BY i);
		IF cardinality(ready) = 0 THEN
			RAISE EXCEPTION 'erase: foreign keys form a cycle';
		END IF;
		FOREACH t IN ARRAY ready LOOP
			EXECUTE format('DELETE FROM %s WHERE org_id = $1', t::regclass)
			    USING org;
		END LOOP;
		left_ := ARRAY(SELECT x FROM unnest(left_) x
		    WHERE x <> ALL (ready));
	END LOOP;
	PERFORM amp.new_generation(org);
END
$$;
