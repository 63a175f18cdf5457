/*
 * The entry of every request: find its route in the table (routes.c) and
 * operation, refuse what is not allowed, authenticate, gather the
 * parameters, then either answer locally or call the database.
 */
#include <sys/types.h>

#include <stdio.h>
#include <string.h>

#include <kore/kore.h>
#include <kore/http.h>

#include "api.h"
#include "auth.h"
#include "call.h"

static const struct api_route	*route_find(const char *);
static int			 route_matches(const struct api_route *,
				    const char *);
static const struct api_op	*op_find(const struct api_route *, int);
static void			 method_not_allowed(struct http_request *,
				    const struct api_route *);

/*
 * A template with {id} matches when the path has its text before and
 * after, and one non-empty segment between.
 */
static int
route_matches(const struct api_route *route, const char *path)
{
	const char	*mark, *suffix;
	size_t		 pre, len, suf;

	if (route->path == NULL)
		return (1);
	if ((mark = strstr(route->path, "{id}")) == NULL)
		return (strcmp(route->path, path) == 0);
	pre = (size_t)(mark - route->path);
	suffix = mark + strlen("{id}");
	suf = strlen(suffix);
	len = strlen(path);
	if (len <= pre + suf || strncmp(path, route->path, pre) != 0 ||
	    strcmp(path + len - suf, suffix) != 0)
		return (0);
	return (memchr(path + pre, '/', len - pre - suf) == NULL);
}

static const struct api_route *
route_find(const char *path)
{
	size_t	i;

	for (i = 0; i < api_routes_count; i++) {
		if (route_matches(&api_routes[i], path))
			return (&api_routes[i]);
	}
	fatal("api: no fallback route");
}

static const struct api_op *
op_find(const struct api_route *route, int method)
{
	size_t	i;

	for (i = 0; i < API_OPS_MAX && route->ops[i].method != 0; i++) {
		if (route->ops[i].method == method)
			return (&route->ops[i]);
	}
	return (NULL);
}

static void
method_not_allowed(struct http_request *req, const struct api_route *route)
{
	char	allow[64];
	size_t	i, n;

	allow[0] = '\0';
	for (i = 0, n = 0; i < API_OPS_MAX && route->ops[i].method != 0 &&
	    n < sizeof(allow); i++) {
		n += (size_t)snprintf(allow + n, sizeof(allow) - n, "%s%s",
		    n ? ", " : "", http_method_text(route->ops[i].method));
	}
	http_response_header(req, "allow", allow);
	api_problem(req, 405, "this method is not supported here; see the "
	    "Allow header", NULL, NULL);
}

int
api_route_index(struct http_request *req)
{
	struct api_call	*call = http_state_get(req);

	if (call == NULL || call->route == NULL)
		return (-1);
	return ((int)(call->route - api_routes));
}

const struct api_op *
api_request_op(struct http_request *req)
{
	struct api_call	*call = http_state_get(req);

	return (call == NULL ? NULL : call->op);
}

int
api_request(struct http_request *req)
{
	struct api_call		*call;
	struct principal	 who;
	const char		*te;

	if (http_state_get(req) != NULL)
		return (call_resume(req));

	call = http_state_create(req, sizeof(*call), call_free);
	kore_pgsql_init(&call->sql);
	call->route = route_find(req->path);

	if ((call->op = op_find(call->route, req->method)) == NULL) {
		method_not_allowed(req, call->route);
		return (KORE_RESULT_OK);
	}
	if (http_request_header(req, "transfer-encoding", &te)) {
		api_problem(req, 400, "Transfer-Encoding is not accepted; send "
		    "a Content-Length", NULL, NULL);
		return (KORE_RESULT_OK);
	}
	if (call->op->local != NULL)
		return (call->op->local(req));

	memset(&who, 0, sizeof(who));
	if (call->op->scopes != 0 &&
	    auth_request(req, call->op->scopes, &who) != 0)
		return (KORE_RESULT_OK);
	if (params_gather(req, call, &who) != 0)
		return (KORE_RESULT_OK);
	return (call_start(req));
}
