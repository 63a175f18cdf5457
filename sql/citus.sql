-- Citus: where the schema's objects live on a coordinator with workers.
-- scripts/migrate.sh applies this file after the migrations and the
-- functions, in the same transaction, only when the database has the
-- citus extension; on plain PostgreSQL it never runs. Every step is done
-- only when not done yet, so a rerun (every migration run) is a no-op
-- unless a migration added a table or a function file a function.
--
-- - Every tenant table (a table of amp with org_id, not a partition) is
--   hash-distributed by org_id, all in the colocation group of
--   amp.campaigns, so an org's rows of every table sit in one shard group
--   on one worker; referenced tables go first (composite foreign keys
--   are enforced on the shard). New tables of later migrations are
--   picked up by the same rule.
-- - The built-in instruments are a reference table: a copy on every node.
-- - Every function of amp is a distributed object, so that it exists on
--   every node (a routed call runs its helpers where it runs), and a
--   changed function file reaches every node.
-- - Every entry point of the API (a function taking p_org and answering
--   (status, body), what src/routes.c calls), each per-org maintenance
--   function and amp.windows_data (whose kept snapshots must be those of
--   the org's worker when it is called directly, as by an operator or a
--   test) are routed by p_org: the coordinator sends the whole call to
--   the worker holding that org's shards, where it runs as one local
--   transaction, row-level security and its amp.org setting included.
--
-- The migration tables (amp.schema_*) stay plain tables of the coordinator,
-- which is what the service and the migrator connect to.

DO $$
DECLARE
	t regclass;
	f regprocedure;
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_dist_partition
	    WHERE logicalrelid = 'amp.builtin_instruments'::regclass) THEN
		PERFORM create_reference_table('amp.builtin_instruments');
	END IF;

	LOOP
		SELECT c.oid INTO t
		FROM pg_class c
		WHERE c.relnamespace = 'amp'::regnamespace
		    AND c.relkind IN ('r', 'p') AND NOT c.relispartition
		    AND EXISTS (SELECT 1 FROM pg_attribute a
			WHERE a.attrelid = c.oid AND a.attname = 'org_id'
			    AND NOT a.attisdropped)
		    AND NOT EXISTS (SELECT 1 FROM pg_dist_partition p
			WHERE p.logicalrelid = c.oid)
		    -- Every table it references is distributed already.
		    AND NOT EXISTS (SELECT 1 FROM pg_constraint k
			WHERE k.conrelid = c.oid AND k.contype = 'f'
			    AND k.confrelid <> c.oid
			    AND NOT EXISTS (SELECT 1 FROM pg_dist_partition p
				WHERE p.logicalrelid = k.confrelid))
		ORDER BY c.relname <> 'campaigns', c.relname
		LIMIT 1;
		EXIT WHEN t IS NULL;
		PERFORM create_distributed_table(t, 'org_id',
		    colocate_with => CASE WHEN t = 'amp.campaigns'::regclass
			THEN 'none' ELSE 'amp.campaigns' END);
	END LOOP;

	-- Functions of an extension (pgcrypto's) come with the extension.
	FOR f IN SELECT p.oid FROM pg_proc p
	    WHERE p.pronamespace = 'amp'::regnamespace
		AND NOT EXISTS (SELECT 1 FROM pg_depend d
		    WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid
			AND d.deptype = 'e')
		AND NOT EXISTS (SELECT 1 FROM pg_dist_object o
		    WHERE o.classid = 'pg_proc'::regclass AND o.objid = p.oid)
	    ORDER BY p.oid LOOP
		PERFORM create_distributed_function(f);
	END LOOP;

	FOR f IN SELECT p.oid FROM pg_proc p
	    WHERE p.pronamespace = 'amp'::regnamespace
		AND p.proargnames[1] = 'p_org'
		AND (p.proargnames @> ARRAY['status', 'body']
		    OR p.proname IN ('check_rollups', 'rebuild_rollups',
			'windows_data'))
		AND NOT EXISTS (SELECT 1 FROM pg_dist_object o
		    WHERE o.classid = 'pg_proc'::regclass AND o.objid = p.oid
			AND o.distribution_argument_index IS NOT NULL)
	    ORDER BY p.oid LOOP
		PERFORM create_distributed_function(f,
		    distribution_arg_name => 'p_org',
		    colocate_with => 'amp.campaigns');
	END LOOP;
END
$$;
