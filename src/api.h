/*
 * One road for every request: the route is found, method, auth,
 * parameters and body are checked, then one SQL function call answers
 * (status, body). A route is a small descriptor in routes.c; the road is
 * written once: dispatch.c (route and checks), params.c (request →
 * SQL parameters), call.c (the asynchronous database state machine),
 * render.c (renderers, in a task thread when they take long) and
 * problem.c (RFC 9457 documents).
 */
#ifndef AMP_API_H
#define AMP_API_H

#include <kore/kore.h>
#include <kore/http.h>

#include <stdbool.h>

#include <jansson.h>

#include "core/raw.h"
#include "core/timeparse.h"
#include "core/validate.h"

#define API_PARAMS_MAX		12
#define API_QUERY_MAX		8
#define API_OPS_MAX		7
#define API_BODY_MAX		(1024 * 1024)

/*
 * An operation: one HTTP method on one route. Its SQL takes, in this
 * order: $1 the org (when it has scopes), then the path id (when the route
 * has one), the body (when it has a body check; as sent and then what
 * raw_body derives, when it has that), the values of `headers` (unless
 * raw_body takes them), and the query parameters in the order `query`
 * lists them. A public operation's path id is thus $1: a webhook's org,
 * whom its SQL function authenticates by a signature over the body.
 */
struct api_op {
	int		  method;
	unsigned	  scopes;	/* any one of them; 0 = public */
	/* Validates a JSON body; NULL when the operation takes none. */
	int		(*body_check)(const json_t *, amp_usec, struct problems *);
	/*
	 * Instead: the body as sent, valid UTF-8, whatever its content type
	 * (a signed webhook), and the parameters this pure parser derives
	 * from it and the headers; a refusal is a problem it describes.
	 */
	int		(*raw_body)(const struct raw_request *,
			    struct raw_answer *);
	/* Headers the operation reads, NULL-terminated; absent ones are NULL. */
	const char	 *headers[RAW_HEADERS_MAX];
	const char	 *query[API_QUERY_MAX];	/* ends at the first NULL */
	int		  max_window_days;	/* 0: no limit */
	/*
	 * The statement may stop after this much of its slowest work
	 * (AMP_COLD_BUDGET_MS, passed as its last parameter), keep what it
	 * did, and answer 102: it is sent again, in a transaction of its
	 * own, until it answers (call.c).
	 */
	bool		  budget;
	const char	 *sql;
	/* Answers without the database (health, metrics, the spec). */
	int		(*local)(struct http_request *);
	/*
	 * Optional pure computation on the SQL function's 200 answer (the
	 * data it gathered): returns the response document and may change
	 * *status; NULL means an internal error.
	 */
	json_t		*(*render)(const json_t *, int *);
	bool		  offload;	/* render in a task thread: it can be long */
	/*
	 * Optional, with render: what of the response to keep for later
	 * reads (pure: the SQL function's data and the response document
	 * in, a JSON document or NULL out), and the statement keeping it
	 * ($1 the org, $2 that document), run before the response is sent.
	 * Should it fail, the next read only does the work again.
	 */
	json_t		*(*keep)(const json_t *, const json_t *);
	const char	 *keep_sql;
	/* Told of every answer, for metrics of the operation's own. */
	void		(*answered)(struct http_request *, int);
};

struct api_route {
	const char		*name;		/* the metric label */
	/*
	 * "/v1/events", or with one id segment: "/v1/campaigns/{id}/impact".
	 * NULL matches every path (the fallback, last in the table).
	 */
	const char		*path;
	int			(*id_check)(const char *);	/* after decoding */
	const char		*id_rule;	/* said when it fails */
	struct api_op		 ops[API_OPS_MAX];	/* ends at method 0 */
};

extern const struct api_route	api_routes[];
extern const size_t		api_routes_count;

/* The one handler conf/ampmeter.conf binds: every path comes here. */
int	api_request(struct http_request *);

enum api_body { API_BODY_NONE, API_BODY_BEARER, API_BODY_OPEN };
enum api_body	api_body_policy(const char *, int);

/* The route a request was matched to, or -1 before it was. */
int	api_route_index(struct http_request *);
/* Its operation, or NULL before it was found. */
const struct api_op	*api_request_op(struct http_request *);
u_int64_t		 api_request_arrived(struct http_request *);

void	api_problem(struct http_request *, int, const char *, const char *,
	    const struct problems *);
void	api_json(struct http_request *, int, const char *, size_t);

#endif
