/*
 * Ingestion appends member-level tallies to amp.member_log_batch (one row
 * per ingest batch); reads add the unfolded tallies to amp.member_months,
 * so folding is only a matter of keeping each org's log short, which
 * keeps reads cheap while ingestion runs. One worker does it, org by org:
 * it asks which orgs have logged batches (amp.pending_orgs), then folds
 * each one's log in a statement of its own (amp.fold_member_log, under
 * that org's lock), so under Citus every fold is routed to the org's node
 * and no statement spans orgs. A round starts every 500 ms, and at once
 * when the last one left a full batch behind. It runs on the same
 * asynchronous database layer as requests, on a connection of its own,
 * never blocking the worker.
 */
#include <kore/kore.h>
#include <kore/pgsql.h>

#include <stdio.h>
#include <string.h>

#include "compactor.h"
#include "config.h"
#include "db.h"

#define COMPACT_INTERVAL_MS	500
#define COMPACT_BATCH		"120"	/* batches per fold: some 60 000 tallies */
#define COMPACT_ORGS_MAX	1000	/* orgs per round */
#define COMPACT_ORGS_MAX_TEXT	"1000"
#define COMPACT_LIST_SQL	"SELECT o FROM amp.pending_orgs() o LIMIT " \
				    COMPACT_ORGS_MAX_TEXT
#define COMPACT_FOLD_SQL	"SELECT amp.fold_member_log($1, " \
				    COMPACT_BATCH ")"

static void	compact_tick(void *, u_int64_t);
static void	compact_step(void *, u_int64_t);
static void	compact_state(struct kore_pgsql *, void *);
static void	compact_end(struct kore_pgsql *);
static void	compact_orgs_free(void);
static char	*fold_conninfo(void);

static struct kore_pgsql	compact_sql;
static int			compact_busy;	/* a round is under way */
static int			compact_querying;
static int			compact_again;	/* a fold took a full batch */
static int			compact_listing;
static char			*compact_orgs[COMPACT_ORGS_MAX];
static int			compact_norgs;
static int			compact_next;	/* the org folded next */

/*
 * The folding connection's conninfo: the service's, without the request
 * deadline (PGOPTIONS sets statement_timeout for requests; a fold of a
 * long backlog may take longer, and one cancelled every time would let
 * the log grow for ever). Its options replace PGOPTIONS, so they say
 * again that commits are durable.
 */
static char *
fold_conninfo(void)
{
	static const char	url_opts[] = "options=-c%20statement_timeout%3D0"
	    "%20-c%20synchronous_commit%3Don";
	static const char	kv_opts[] = " options='-c statement_timeout=0 "
	    "-c synchronous_commit=on'";
	const char		*db = amp_config.database_url;
	char			*out;
	size_t			 len;

	len = strlen(db) + sizeof(url_opts) + sizeof(kv_opts) + 2;
	out = kore_malloc(len);
	if (strstr(db, "://") != NULL)
		(void)snprintf(out, len, "%s%c%s", db,
		    strchr(db, '?') != NULL ? '&' : '?', url_opts);
	else
		(void)snprintf(out, len, "%s%s", db, kv_opts);
	return (out);
}

void
compactor_start(void)
{
	if (worker == NULL || worker->id != 1)
		return;
	/* A connection of its own: folding never waits behind requests. */
	pgsql_conn_max = 1;
	if (!kore_pgsql_register("fold", fold_conninfo()))
		fatal("cannot register the database");
	kore_timer_add(compact_tick, COMPACT_INTERVAL_MS, NULL, 0);
}

static void
compact_orgs_free(void)
{
	int	i;

	for (i = 0; i < compact_norgs; i++)
		kore_free(compact_orgs[i]);
	compact_norgs = 0;
	compact_next = 0;
}

static void
compact_end(struct kore_pgsql *sql)
{
	/* Kore calls back from inside cleanup: unbind first, or re-enter. */
	sql->cb = NULL;
	db_release(sql);
	compact_querying = 0;
	/* Not from inside this query's own callback: a moment later. */
	kore_timer_add(compact_step, 1, NULL, KORE_TIMER_ONESHOT);
}

/* The round's next statement: the list of orgs, then one fold per org. */
static void
compact_step(void *arg, u_int64_t now)
{
	const char	*values[1];
	int		 lengths[1], formats[1], ok;

	(void)arg;
	(void)now;

	if (!compact_listing && compact_next >= compact_norgs) {
		compact_orgs_free();
		compact_busy = 0;
		if (compact_again) {
			compact_again = 0;
			compact_tick(NULL, 0);
		}
		return;
	}
	compact_querying = 1;
	kore_pgsql_init(&compact_sql);
	kore_pgsql_bind_callback(&compact_sql, compact_state, NULL);
	if (!kore_pgsql_setup(&compact_sql, "fold", KORE_PGSQL_ASYNC)) {
		/* No free connection, or no database: the next tick. */
		compact_listing = 0;
		compact_orgs_free();
		compact_end(&compact_sql);
		return;
	}
	if (compact_listing) {
		ok = kore_pgsql_query(&compact_sql, COMPACT_LIST_SQL);
	} else {
		values[0] = compact_orgs[compact_next];
		lengths[0] = (int)strlen(values[0]);
		formats[0] = 0;
		compact_next++;
		ok = kore_pgsql_query_param_fields(&compact_sql,
		    COMPACT_FOLD_SQL, 0, 1, values, lengths, formats);
	}
	if (!ok) {
		compact_listing = 0;
		compact_orgs_free();
		compact_end(&compact_sql);
	}
}

static void
compact_tick(void *arg, u_int64_t now)
{
	(void)arg;
	(void)now;

	if (compact_busy) {
		/* A dropped connection ends a query without calling back. */
		if (compact_querying &&
		    compact_sql.state == KORE_PGSQL_STATE_ERROR &&
		    compact_sql.conn == NULL) {
			kore_log(LOG_NOTICE, "rollup compaction: %s",
			    compact_sql.error != NULL ? compact_sql.error :
			    "connection lost");
			compact_listing = 0;
			compact_orgs_free();
			compact_end(&compact_sql);
		}
		return;
	}
	compact_busy = 1;
	compact_listing = 1;
	compact_step(NULL, 0);
}

static void
compact_state(struct kore_pgsql *sql, void *arg)
{
	int	i, n;

	(void)arg;

	switch (sql->state) {
	case KORE_PGSQL_STATE_INIT:
	case KORE_PGSQL_STATE_WAIT:
		break;
	case KORE_PGSQL_STATE_ERROR:
		kore_log(LOG_NOTICE, "rollup compaction failed: %s",
		    sql->error != NULL ? sql->error : "unknown error");
		compact_listing = 0;
		compact_end(sql);
		break;
	case KORE_PGSQL_STATE_COMPLETE:
		compact_listing = 0;
		compact_end(sql);
		break;
	case KORE_PGSQL_STATE_RESULT:
		n = kore_pgsql_ntuples(sql);
		if (compact_listing) {
			for (i = 0; i < n && compact_norgs < COMPACT_ORGS_MAX;
			    i++)
				compact_orgs[compact_norgs++] =
				    kore_strdup(kore_pgsql_getvalue(sql, i, 0));
		} else if (n == 1 && strcmp(kore_pgsql_getvalue(sql, 0, 0),
		    COMPACT_BATCH) == 0) {
			compact_again = 1;
		}
		kore_pgsql_continue(sql);
		break;
	default:
		kore_pgsql_continue(sql);
		break;
	}
}
