#include <sys/mman.h>

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "config.h"
#include "metrics.h"
#include "respond.h"
#include "core/github.h"

#define ROUTES_MAX	64	/* at least api_routes_count */
#define CLASSES		5	/* 1xx..5xx */

/* GitHub deliveries: every one received, then what became of it. */
enum { HOOK_RECEIVED, HOOK_STORED, HOOK_IGNORED, HOOK_REFUSED, HOOK_COUNTS };
static const char *const	hook_counts[HOOK_COUNTS] = {
	"received", "stored", "ignored", "refused"
};

struct metrics_shared {
	uint64_t	requests[ROUTES_MAX][CLASSES];
	uint64_t	duration_ms[ROUTES_MAX];
	uint64_t	db_unavailable;
	uint64_t	github[GITHUB_EVENT_NAMES][HOOK_COUNTS];
};

static struct metrics_shared	*shared;

void
metrics_init(void)
{
	if (api_routes_count > ROUTES_MAX)
		fatal("metrics: more routes than ROUTES_MAX");
	shared = mmap(NULL, sizeof(*shared), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED)
		fatal("metrics: mmap failed");
	memset(shared, 0, sizeof(*shared));
}

void
metrics_record(struct http_request *req, int status)
{
	const struct api_op	*op;
	uint64_t		 ms;
	int			 i;

	if (shared == NULL || status < 100 || status > 599 ||
	    (i = api_route_index(req)) < 0)
		return;
	ms = kore_time_ms() - api_request_arrived(req);
	__atomic_fetch_add(&shared->requests[i][status / 100 - 1], 1,
	    __ATOMIC_RELAXED);
	__atomic_fetch_add(&shared->duration_ms[i], ms, __ATOMIC_RELAXED);
	if ((op = api_request_op(req)) != NULL && op->answered != NULL)
		op->answered(req, status);
}

/*
 * By the answer: 201 stored an event, another 2xx acknowledged without
 * storing (ping, not engagement, a bot, a redelivery), 4xx refused. A 5xx
 * counts as received only: GitHub will deliver it again.
 */
void
metrics_github(struct http_request *req, int status)
{
	const char	*event;
	size_t		 e;
	int		 c;

	if (!http_request_header(req, "x-github-event", &event))
		event = NULL;
	e = github_event_slot(event);
	__atomic_fetch_add(&shared->github[e][HOOK_RECEIVED], 1,
	    __ATOMIC_RELAXED);
	if (status == 201)
		c = HOOK_STORED;
	else if (status >= 200 && status < 300)
		c = HOOK_IGNORED;
	else if (status >= 400 && status < 500)
		c = HOOK_REFUSED;
	else
		return;
	__atomic_fetch_add(&shared->github[e][c], 1, __ATOMIC_RELAXED);
}

void
metrics_db_unavailable(void)
{
	if (shared != NULL)
		__atomic_fetch_add(&shared->db_unavailable, 1,
		    __ATOMIC_RELAXED);
}

/* With AMP_METRICS_TOKEN set, /metrics wants it as a bearer token. */
static int
metrics_allowed(struct http_request *req)
{
	const char	*auth;
	size_t		 i, n;
	unsigned char	 diff;

	if (amp_config.metrics_token == NULL)
		return (1);
	if (!http_request_header(req, "authorization", &auth) ||
	    strncmp(auth, "Bearer ", 7) != 0)
		return (0);
	auth += 7;
	n = strlen(amp_config.metrics_token);
	if (strlen(auth) != n)
		return (0);
	for (i = 0, diff = 0; i < n; i++)
		diff |= (unsigned char)auth[i] ^
		    (unsigned char)amp_config.metrics_token[i];
	return (diff == 0);
}

int
metrics_render(struct http_request *req)
{
	struct kore_buf	*buf;
	size_t		 i, c;
	uint64_t	 n;

	if (!metrics_allowed(req)) {
		http_response_header(req, "www-authenticate",
		    "Bearer realm=\"metrics\"");
		api_problem(req, 401, "send the metrics token as a bearer "
		    "token", NULL, NULL);
		return (KORE_RESULT_OK);
	}

	buf = kore_buf_alloc(4096);
	kore_buf_appendf(buf, "# HELP ampmeter_http_requests_total HTTP "
	    "requests answered, by route and status class.\n"
	    "# TYPE ampmeter_http_requests_total counter\n");
	for (i = 0; i < api_routes_count; i++) {
		for (c = 0; c < CLASSES; c++) {
			n = __atomic_load_n(&shared->requests[i][c],
			    __ATOMIC_RELAXED);
			if (n > 0)
				kore_buf_appendf(buf, "ampmeter_http_requests_"
				    "total{route=\"%s\",status=\"%zuxx\"} %llu\n",
				    api_routes[i].name, c + 1,
				    (unsigned long long)n);
		}
	}
	kore_buf_appendf(buf, "# HELP ampmeter_http_request_duration_"
	    "milliseconds_total Time spent answering, by route.\n"
	    "# TYPE ampmeter_http_request_duration_milliseconds_total "
	    "counter\n");
	for (i = 0; i < api_routes_count; i++)
		kore_buf_appendf(buf, "ampmeter_http_request_duration_"
		    "milliseconds_total{route=\"%s\"} %llu\n", api_routes[i].name,
		    (unsigned long long)__atomic_load_n(
		    &shared->duration_ms[i], __ATOMIC_RELAXED));
	kore_buf_appendf(buf, "# HELP ampmeter_db_unavailable_total Requests "
	    "answered 503 because the database was not available.\n"
	    "# TYPE ampmeter_db_unavailable_total counter\n"
	    "ampmeter_db_unavailable_total %llu\n",
	    (unsigned long long)__atomic_load_n(&shared->db_unavailable,
	    __ATOMIC_RELAXED));
	kore_buf_appendf(buf, "# HELP ampmeter_github_deliveries_total GitHub "
	    "webhook deliveries by event type: received, stored (an event "
	    "stored), ignored (acknowledged, nothing stored), refused (4xx).\n"
	    "# TYPE ampmeter_github_deliveries_total counter\n");
	for (i = 0; i < GITHUB_EVENT_NAMES; i++) {
		for (c = 0; c < HOOK_COUNTS; c++)
			kore_buf_appendf(buf, "ampmeter_github_deliveries_total"
			    "{event=\"%s\",outcome=\"%s\"} %llu\n",
			    github_event_names[i], hook_counts[c],
			    (unsigned long long)__atomic_load_n(
			    &shared->github[i][c], __ATOMIC_RELAXED));
	}

	respond(req, 200, "text/plain; version=0.0.4; charset=utf-8",
	    buf->data, buf->offset, CACHE_NONE);
	kore_buf_free(buf);
	return (KORE_RESULT_OK);
}
