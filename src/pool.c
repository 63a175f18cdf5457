/*
 * Admission to the database, per worker. Reads and writes each have
 * connections of their own (Kore databases "read" and "write"), so a
 * crowd of dashboards cannot starve ingest, and each has its own FIFO of
 * requests waiting for one. Every request has a deadline
 * (AMP_REQUEST_DEADLINE_MS from its arrival): one still waiting for a
 * connection, or still waiting for its statement, when it passes is
 * woken and answers 503 with Retry-After (call.c), its statement
 * cancelled. Kore's own queue is never used: it wakes one waiter of any
 * database when a connection of either is released.
 *
 * While several orgs are active, each runs at most its fair share of
 * statements at once in a worker (share.c): a free slot goes to the
 * request that has waited longest, of either pool, whose org is under its
 * share. Shares grow as orgs go quiet; the tick hands out what that frees.
 * A request without an org (/readyz) has no share.
 */
#include <sys/queue.h>

#include <limits.h>

#include <kore/kore.h>
#include <kore/http.h>
#include <kore/pgsql.h>

#include "call.h"
#include "config.h"
#include "pool.h"
#include "share.h"

#define POOL_TICK_MS	100
/* Requests waiting for a connection, per pool and worker, at most. */
#define POOL_WAIT_MAX	500

struct pool {
	const char		*db;
	int			 max;
	int			 used;
	int			 nwaiting;
	TAILQ_HEAD(, api_call)	 waiting;
};

static struct pool	pools[2];
/* Calls holding a connection, in order of arrival. */
static TAILQ_HEAD(, api_call)	running = TAILQ_HEAD_INITIALIZER(running);

static void	slot_hold(struct pool *, struct api_call *);
static void	pool_tick(void *, u_int64_t);
static void	pool_expire(struct api_call *);
static void	pool_dispatch(void);
static int	may_run(const struct api_call *, int);
static int	org_waiting(const struct pool *, u_int64_t);

void
pool_init(void)
{
	int	i;

	pools[POOL_READ].db = "read";
	pools[POOL_READ].max = amp_config.db_conns;
	pools[POOL_WRITE].db = "write";
	pools[POOL_WRITE].max = amp_config.db_write_conns;
	for (i = 0; i < 2; i++) {
		TAILQ_INIT(&pools[i].waiting);
		/* Kore takes a database's size from this global. */
		pgsql_conn_max = (u_int16_t)pools[i].max;
		if (!kore_pgsql_register(pools[i].db, amp_config.database_url))
			fatal("cannot register the database");
	}
	kore_timer_add(pool_tick, POOL_TICK_MS, NULL, 0);
}

/*
 * 1: the call holds a connection slot and sets up call->db now (or its
 * deadline has passed: call->expired). 0: it waits, the request asleep,
 * until a slot is handed to it or its deadline passes. -1: too many are
 * waiting already.
 */
int
pool_acquire(struct http_request *req, struct api_call *call)
{
	struct pool	*p = &pools[call->pool];
	int		 share;

	if (call->slot == SLOT_HELD || call->expired)
		return (1);
	if (call->slot == SLOT_WAITING)
		return (0);		/* woken by something else */
	if (call->org != 0)
		share_seen(call->org);
	pool_dispatch();		/* those in line first */
	share = share_now();
	if (p->used >= p->max || !may_run(call, share)) {
		/* While others are active, an org fills half the line at most. */
		if (p->nwaiting >= POOL_WAIT_MAX || (share != INT_MAX &&
		    org_waiting(p, call->org) >= POOL_WAIT_MAX / 2))
			return (-1);
		TAILQ_INSERT_TAIL(&p->waiting, call, list);
		p->nwaiting++;
		call->slot = SLOT_WAITING;
		http_request_sleep(req);
		return (0);
	}
	p->used++;
	slot_hold(p, call);
	return (1);
}

static void
slot_hold(struct pool *p, struct api_call *call)
{
	call->db = p->db;
	call->slot = SLOT_HELD;
	TAILQ_INSERT_TAIL(&running, call, list);
}

void
pool_release(struct api_call *call)
{
	struct pool	*p = &pools[call->pool];

	switch (call->slot) {
	case SLOT_WAITING:
		TAILQ_REMOVE(&p->waiting, call, list);
		p->nwaiting--;
		call->slot = SLOT_NONE;
		break;
	case SLOT_HELD:
		TAILQ_REMOVE(&running, call, list);
		p->used--;
		call->slot = SLOT_NONE;
		pool_dispatch();
		break;
	default:
		break;
	}
}

/*
 * Free slots go, one at a time, to whoever has waited longest, of either
 * pool, among those whose org is under its share.
 */
static void
pool_dispatch(void)
{
	struct api_call	*call, *best;
	int		 i, share, from;

	share = share_now();
	for (;;) {
		best = NULL;
		from = 0;
		for (i = 0; i < 2; i++) {
			if (pools[i].used >= pools[i].max)
				continue;
			TAILQ_FOREACH(call, &pools[i].waiting, list) {
				if (may_run(call, share))
					break;
			}
			if (call != NULL && (best == NULL ||
			    call->arrived < best->arrived)) {
				best = call;
				from = i;
			}
		}
		if (best == NULL)
			return;
		TAILQ_REMOVE(&pools[from].waiting, best, list);
		pools[from].nwaiting--;
		pools[from].used++;
		slot_hold(&pools[from], best);
		http_request_wakeup(best->req);
	}
}

/*
 * Under its share: the org holds fewer than `share` slots here. One past
 * its deadline takes no slot: it answers 503 as it is.
 */
static int
may_run(const struct api_call *call, int share)
{
	const struct api_call	*c;
	int			 n = 0;

	if (call->expired)
		return (0);
	if (call->org == 0)
		return (1);
	TAILQ_FOREACH(c, &running, list) {
		if (c->org == call->org && ++n >= share)
			return (0);
	}
	return (1);
}

static int
org_waiting(const struct pool *p, u_int64_t org)
{
	const struct api_call	*c;
	int			 n = 0;

	TAILQ_FOREACH(c, &p->waiting, list) {
		if (c->org == org)
			n++;
	}
	return (n);
}

static void
pool_expire(struct api_call *call)
{
	call->expired = 1;
	http_request_wakeup(call->req);
}

u_int64_t
pool_deadline(const struct api_call *call)
{
	return (call->arrived + (u_int64_t)amp_config.request_deadline_ms);
}

static void
pool_tick(void *arg, u_int64_t now)
{
	struct api_call	*call;
	int		 i;

	(void)arg;
	pool_dispatch();
	for (i = 0; i < 2; i++) {
		TAILQ_FOREACH(call, &pools[i].waiting, list) {
			if (!call->expired && now >= pool_deadline(call))
				pool_expire(call);
		}
	}
	TAILQ_FOREACH(call, &running, list) {
		if (!call->expired && now >= pool_deadline(call))
			pool_expire(call);
	}
}
