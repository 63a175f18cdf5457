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
#include "ratelimit.h"
#include "respond.h"

static const struct api_route	*route_find(const char *);
static int			 route_matches(const struct api_route *,
				    const char *);
static const struct api_op	*op_find(const struct api_route *, int);
static void			 methods_allowed(const struct api_route *,
				    char *, size_t);

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

/* HEAD is answered wherever GET is, as GET without the body. */
static const struct api_op *
op_find(const struct api_route *route, int method)
{
	size_t	i;

	if (method == HTTP_METHOD_HEAD)
		method = HTTP_METHOD_GET;
	for (i = 0; i < API_OPS_MAX && route->ops[i].method != 0; i++) {
		if (route->ops[i].method == method)
			return (&route->ops[i]);
	}
	return (NULL);
}

/* "GET, HEAD, PUT, OPTIONS": what the Allow header says of a route. */
static void
methods_allowed(const struct api_route *route, char *allow, size_t len)
{
	size_t	i, n;

	n = 0;
	allow[0] = '\0';
	for (i = 0; i < API_OPS_MAX && route->ops[i].method != 0; i++) {
		n += (size_t)snprintf(allow + n, n < len ? len - n : 0,
		    "%s%s%s", n ? ", " : "",
		    http_method_text(route->ops[i].method),
		    route->ops[i].method == HTTP_METHOD_GET ? ", HEAD" : "");
	}
	(void)snprintf(allow + n, n < len ? len - n : 0, ", OPTIONS");
}

/*
 * Whether a request's body may be read, before it is (admission.c): an
 * operation that takes none refuses it; one that needs a token, or a
 * wrong method on a route whose operations do, wants a bearer first.
 */
enum api_body
api_body_policy(const char *path, int method)
{
	const struct api_route	*route = route_find(path);
	const struct api_op	*op = op_find(route, method);

	if (op != NULL)
		return (op->body_check == NULL && op->raw_body == NULL ?
		    API_BODY_NONE :
		    op->scopes != 0 ? API_BODY_BEARER : API_BODY_OPEN);
	/* The 405 comes once the request is in; the body is not kept. */
	return (route->path != NULL && route->ops[0].scopes != 0 ?
	    API_BODY_BEARER : API_BODY_NONE);
}

int
api_route_index(struct http_request *req)
{
	struct api_call	*call = http_state_get(req);

	if (call == NULL || call->route == NULL)
		return (-1);
	return ((int)(call->route - api_routes));
}

/* When the request arrived (ms), however often Kore resumed it since. */
u_int64_t
api_request_arrived(struct http_request *req)
{
	struct api_call	*call = http_state_get(req);

	return (call == NULL ? req->start : call->arrived);
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
	char			 allow[80];

	if (http_state_get(req) != NULL)
		return (call_resume(req));

	call = http_state_create(req, sizeof(*call), call_free);
	call->arrived = kore_time_ms();
	kore_pgsql_init(&call->sql);
	call->route = route_find(req->path);

	if ((call->op = op_find(call->route, req->method)) == NULL) {
		methods_allowed(call->route, allow, sizeof(allow));
		if (req->method == HTTP_METHOD_OPTIONS)
			return (respond_preflight(req, allow));
		http_response_header(req, "allow", allow);
		api_problem(req, 405, "this method is not supported here; see "
		    "the Allow header", NULL, NULL);
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
	    (auth_request(req, call->op->scopes, &who) != 0 ||
	    ratelimit_take(req, who.org) != 0))
		return (KORE_RESULT_OK);
	if (params_gather(req, call, &who) != 0)
		return (KORE_RESULT_OK);
	return (call_start(req));
}
