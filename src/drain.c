/*
 * Graceful stop. Kore 4.1 leaves its worker loop on the first SIGTERM
 * and drops every request in flight, also a batch already committed but
 * not yet acknowledged. Here a worker takes the signal itself: it stops
 * accepting connections, answers what it has (each answer closing its
 * connection), and then leaves through Kore's own exit — when no request
 * has been in flight for a few ticks, or when AMP_DRAIN_SECONDS are over.
 */
#include <sys/types.h>

#include <signal.h>
#include <string.h>

#include <kore/kore.h>
#include <kore/http.h>

#include "config.h"
#include "drain.h"

#define DRAIN_TICK_MS		50
#define DRAIN_QUIET_TICKS	3

static volatile sig_atomic_t	drain_requested;
static u_int64_t		drain_deadline;
static int			drain_quiet;

static void	drain_signal(int);
static void	drain_tick(void *, u_int64_t);

static void
drain_signal(int sig)
{
	(void)sig;
	drain_requested = 1;
}

void
drain_init(void)
{
	struct sigaction	sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = drain_signal;
	(void)sigfillset(&sa.sa_mask);
	if (sigaction(SIGTERM, &sa, NULL) == -1 ||
	    sigaction(SIGINT, &sa, NULL) == -1 ||
	    sigaction(SIGQUIT, &sa, NULL) == -1)
		fatal("drain: sigaction: %s", errno_s);
	kore_timer_add(drain_tick, DRAIN_TICK_MS, NULL, 0);
}

static void
drain_tick(void *arg, u_int64_t now)
{
	(void)arg;

	if (!drain_requested)
		return;
	if (drain_deadline == 0) {
		kore_log(LOG_NOTICE, "draining: %u request(s) in flight, "
		    "at most %d s", http_request_count,
		    amp_config.drain_seconds);
		drain_deadline = now + (u_int64_t)amp_config.drain_seconds *
		    1000;
		/* The accept lock is given up and never taken again. */
		worker_max_connections = 0;
		/* Every answer from now on closes its connection. */
		http_keepalive_time = 0;
	}
	drain_quiet = http_request_count == 0 ? drain_quiet + 1 : 0;
	if (drain_quiet >= DRAIN_QUIET_TICKS || now >= drain_deadline) {
		if (http_request_count > 0)
			kore_log(LOG_NOTICE, "drain time over: %u request(s) "
			    "dropped", http_request_count);
		sig_recv = SIGTERM;	/* Kore's own way out of its loop */
	}
}
