/*
 * One road for every request: method, auth, parameters and body are
 * checked here, then one SQL function call answers (status, body). A route
 * is a small descriptor; the asynchronous database state machine is
 * written once, in api.c.
 */
#ifndef AMP_API_H
#define AMP_API_H

#include <kore/kore.h>
#include <kore/http.h>

#include <jansson.h>

#include "core/timeparse.h"
#include "core/validate.h"

#define API_PARAMS_MAX		12
#define API_BODY_MAX		(1024 * 1024)

/* An operation: one HTTP method on one resource. */
struct api_op {
	int		  method;
	unsigned	  scopes;	/* any one of them; 0 = public */
	/* Validates a JSON body; NULL when the operation takes none. */
	int		(*body_check)(const json_t *, amp_usec, struct problems *);
	/* Query parameters, in the order the SQL function takes them. */
	const char *const *query;
	int		  max_window_days;
	/* Takes $1 org, then the path id, the body, the query parameters. */
	const char	 *sql;
	/* Answers without the database (health, metrics, the spec). */
	int		(*local)(struct http_request *);
	/*
	 * Optional pure computation on the SQL function's 200 answer (the
	 * data it gathered): returns the response document and may change
	 * *status; NULL means an internal error.
	 */
	json_t		*(*render)(const json_t *, int *);
	/* Render in a Kore task thread: it can take long (bootstraps). */
	int		  offload;
};

struct api_resource {
	const char		*name;		/* for metrics */
	const char		*id_prefix;	/* "/v1/campaigns/", or NULL */
	const char		*id_suffix;	/* "/impact", or NULL */
	int			(*id_check)(const char *);	/* after decoding */
	const char		*id_rule;	/* said when it fails */
	const struct api_op	*ops;		/* ends with method 0 */
};

int	api_dispatch(struct http_request *, const struct api_resource *);
void	api_problem(struct http_request *, int, const char *, const char *,
	    const struct problems *);
void	api_json(struct http_request *, int, const char *, size_t);

#endif
