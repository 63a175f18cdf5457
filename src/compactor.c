/*
 * Ingestion appends member-level tallies to amp.member_log_batch (one row
 * per ingest batch); reads add the unfolded tallies to amp.member_months,
 * so the folding is only a matter of keeping the log short. One worker runs
 * amp.compact_rollups() every 3 seconds (more of a member-month's days fold
 * at once) on the same asynchronous database layer as requests, never
 * blocking the worker; when a pass took a full batch it goes again at once.
 */
#include <kore/kore.h>
#include <kore/pgsql.h>

#include <string.h>

#include "compactor.h"
#include "config.h"
#include "db.h"

#define COMPACT_INTERVAL_MS	3000
#define COMPACT_BATCH		"120"	/* batches: some 60 000 tallies */
#define COMPACT_SQL		"SELECT amp.compact_rollups(" COMPACT_BATCH ")"

static void	compact_tick(void *, u_int64_t);
static void	compact_state(struct kore_pgsql *, void *);
static void	compact_end(struct kore_pgsql *);

static struct kore_pgsql	compact_sql;
static int			compact_busy;
static int			compact_again;	/* the last pass was full */

void
compactor_start(void)
{
	if (worker == NULL || worker->id != 1)
		return;
	/* A connection of its own: folding never waits behind requests. */
	pgsql_conn_max = 1;
	if (!kore_pgsql_register("fold", amp_config.database_url))
		fatal("cannot register the database");
	kore_timer_add(compact_tick, COMPACT_INTERVAL_MS, NULL, 0);
}

static void
compact_end(struct kore_pgsql *sql)
{
	/* Kore calls back from inside cleanup: unbind first, or re-enter. */
	sql->cb = NULL;
	db_release(sql);
	compact_busy = 0;
	if (compact_again) {
		/* Not from inside this query's own callback: a moment later. */
		compact_again = 0;
		kore_timer_add(compact_tick, 1, NULL, KORE_TIMER_ONESHOT);
	}
}

static void
compact_tick(void *arg, u_int64_t now)
{
	(void)arg;
	(void)now;

	if (compact_busy) {
		/* A dropped connection ends a query without calling back. */
		if (compact_sql.state == KORE_PGSQL_STATE_ERROR &&
		    compact_sql.conn == NULL) {
			kore_log(LOG_NOTICE, "rollup compaction: %s",
			    compact_sql.error != NULL ? compact_sql.error :
			    "connection lost");
			compact_end(&compact_sql);
		}
		return;
	}
	compact_busy = 1;
	kore_pgsql_init(&compact_sql);
	kore_pgsql_bind_callback(&compact_sql, compact_state, NULL);
	/* No free connection, or no database: try again next tick. */
	if (!kore_pgsql_setup(&compact_sql, "fold", KORE_PGSQL_ASYNC) ||
	    !kore_pgsql_query(&compact_sql, COMPACT_SQL))
		compact_end(&compact_sql);
}

static void
compact_state(struct kore_pgsql *sql, void *arg)
{
	(void)arg;

	switch (sql->state) {
	case KORE_PGSQL_STATE_INIT:
	case KORE_PGSQL_STATE_WAIT:
		break;
	case KORE_PGSQL_STATE_ERROR:
		kore_log(LOG_NOTICE, "rollup compaction failed: %s",
		    sql->error != NULL ? sql->error : "unknown error");
		compact_end(sql);
		break;
	case KORE_PGSQL_STATE_COMPLETE:
		compact_end(sql);
		break;
	case KORE_PGSQL_STATE_RESULT:
		compact_again = kore_pgsql_ntuples(sql) == 1 &&
		    strcmp(kore_pgsql_getvalue(sql, 0, 0), COMPACT_BATCH) == 0;
		kore_pgsql_continue(sql);
		break;
	default:
		kore_pgsql_continue(sql);
		break;
	}
}
