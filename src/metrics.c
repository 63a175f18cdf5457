#include <sys/mman.h>

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "metrics.h"

#define ROUTES_MAX	64	/* at least api_routes_count */
#define CLASSES		5	/* 1xx..5xx */

struct metrics_shared {
	uint64_t	requests[ROUTES_MAX][CLASSES];
	uint64_t	duration_ms[ROUTES_MAX];
	uint64_t	db_unavailable;
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
	uint64_t	ms;
	int		i;

	if (shared == NULL || status < 100 || status > 599 ||
	    (i = api_route_index(req)) < 0)
		return;
	ms = kore_time_ms() - req->start;
	__atomic_fetch_add(&shared->requests[i][status / 100 - 1], 1,
	    __ATOMIC_RELAXED);
	__atomic_fetch_add(&shared->duration_ms[i], ms, __ATOMIC_RELAXED);
}

void
metrics_db_unavailable(void)
{
	if (shared != NULL)
		__atomic_fetch_add(&shared->db_unavailable, 1,
		    __ATOMIC_RELAXED);
}

int
metrics_render(struct http_request *req)
{
	struct kore_buf	*buf;
	size_t		 i, c;
	uint64_t	 n;

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

	http_response_header(req, "content-type",
	    "text/plain; version=0.0.4; charset=utf-8");
	http_response(req, 200, buf->data, buf->offset);
	kore_buf_free(buf);
	return (KORE_RESULT_OK);
}
