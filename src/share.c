/*
 * Fair shares of the database among orgs. While several orgs use the
 * service, each worker runs at most ceil(AMP_FAIR_CONNS / workers /
 * active orgs) statements at once for any one org (at least one), so an
 * org flooding the service cannot take the database's CPU from the
 * others; alone, an org may use every connection (pool.c counts what an
 * org holds in its worker). An org is active while it has asked for a
 * statement within the last SHARE_WINDOW_MS, in any worker, which keeps a
 * dashboard that pauses between reads in the count.
 *
 * When each org was last seen lives in memory mapped before the workers
 * fork, one entry per bucket of orgs (by a hash of the org). Two orgs in
 * one bucket count as one, which only makes shares a little larger.
 */
#include <sys/mman.h>

#include <string.h>
#include <time.h>

#include <kore/kore.h>

#include "config.h"
#include "core/fairshare.h"
#include "share.h"

#define SHARE_BUCKETS	1024	/* a power of two */
#define SHARE_WINDOW_MS	10000

static u_int64_t	*seen_at;

static u_int64_t	now_ms(void);

/* In the parent, before the workers fork. */
void
share_init(void)
{
	seen_at = mmap(NULL, SHARE_BUCKETS * sizeof(*seen_at),
	    PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (seen_at == MAP_FAILED)
		fatal("share: mmap failed");
	memset(seen_at, 0, SHARE_BUCKETS * sizeof(*seen_at));
}

void
share_seen(u_int64_t org)
{
	__atomic_store_n(&seen_at[org & (SHARE_BUCKETS - 1)], now_ms(),
	    __ATOMIC_RELAXED);
}

/* The statements one org may run at once in this worker now. */
int
share_now(void)
{
	u_int64_t	now = now_ms(), at;
	int		b, active = 0;

	for (b = 0; b < SHARE_BUCKETS; b++) {
		at = __atomic_load_n(&seen_at[b], __ATOMIC_RELAXED);
		/* Not now - at: another worker may have stored a later time. */
		if (at != 0 && at + SHARE_WINDOW_MS > now)
			active++;
	}
	return (fairshare_per_worker(amp_config.fair_conns, amp_config.workers,
	    active));
}

static u_int64_t
now_ms(void)
{
	struct timespec	ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((u_int64_t)ts.tv_sec * 1000 + (u_int64_t)ts.tv_nsec / 1000000);
}
