/*
 * A token bucket per org, shared by every worker: AMP_ORG_RATE requests
 * a second with bursts of AMP_ORG_BURST. The buckets live in memory
 * mapped before the workers fork, a fixed table indexed by a hash of the
 * org; a slot whose bucket has refilled completely may be taken over by
 * another org, as a full bucket holds no state worth keeping. Over the
 * limit: 429 with Retry-After. Every answer to an org carries RateLimit
 * and RateLimit-Policy (draft-ietf-httpapi-ratelimit-headers).
 */
#include <sys/mman.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <kore/kore.h>
#include <kore/http.h>

#include "api.h"
#include "config.h"
#include "core/stats.h"
#include "ratelimit.h"

#define SLOTS		16384	/* a power of two */

struct bucket {
	int		lock;
	uint64_t	org;		/* hash of the org; 0 = free */
	double		tokens;
	uint64_t	at_us;		/* when tokens was last refilled */
};

static struct bucket	*buckets;

static uint64_t	now_us(void);

void
ratelimit_init(void)
{
	buckets = mmap(NULL, SLOTS * sizeof(*buckets), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (buckets == MAP_FAILED)
		fatal("ratelimit: mmap failed");
	memset(buckets, 0, SLOTS * sizeof(*buckets));
}

/* An org's key in the shared tables (FNV-1a of its id), never 0. */
uint64_t
org_key(const char *org)
{
	uint64_t	h = stats_seed_str(org);

	return (h == 0 ? 1 : h);
}

static uint64_t
now_us(void)
{
	struct timespec	ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000);
}

/* 0: go on. -1: answered 429. */
int
ratelimit_take(struct http_request *req, const char *org)
{
	struct bucket	*b;
	uint64_t	 h, now;
	double		 rate, burst, tokens, wait;
	int		 ok;
	char		 policy[64], state[64];

	rate = amp_config.org_rate;
	burst = amp_config.org_burst;
	h = org_key(org);
	b = &buckets[h & (SLOTS - 1)];
	now = now_us();

	while (__atomic_test_and_set(&b->lock, __ATOMIC_ACQUIRE))
		;
	tokens = b->tokens + (double)(now - b->at_us) / 1e6 * rate;
	if (b->org == 0 || tokens > burst)
		tokens = burst;
	/* A full bucket is taken over; a busy one is shared, rarely. */
	if (tokens >= burst)
		b->org = h;
	ok = tokens >= 1.0;
	if (ok)
		tokens -= 1.0;
	b->tokens = tokens;
	b->at_us = now;
	__atomic_clear(&b->lock, __ATOMIC_RELEASE);

	(void)snprintf(policy, sizeof(policy), "\"org\";q=%d;w=%d",
	    amp_config.org_burst, (int)ceil(burst / rate));
	wait = ok ? ceil((burst - tokens) / rate) : ceil((1.0 - tokens) / rate);
	(void)snprintf(state, sizeof(state), "\"org\";r=%d;t=%d",
	    (int)floor(tokens), (int)wait);
	http_response_header(req, "ratelimit-policy", policy);
	http_response_header(req, "ratelimit", state);
	if (ok)
		return (0);
	(void)snprintf(state, sizeof(state), "%d", wait < 1 ? 1 : (int)wait);
	http_response_header(req, "retry-after", state);
	api_problem(req, 429, "this organization sends more requests than "
	    "its limit; retry after the time in Retry-After", NULL, NULL);
	return (-1);
}
