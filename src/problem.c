/*
 * Answers: JSON documents, and RFC 9457 problem documents. The problem
 * types and titles live here only; SQL functions answer a status, a
 * detail and maybe `errors`, and the type and title are added here.
 */
#include <stdlib.h>
#include <string.h>

#include <kore/kore.h>
#include <kore/http.h>

#include <jansson.h>

#include "api.h"
#include "call.h"
#include "metrics.h"
#include "problem.h"
#include "respond.h"

static const struct {
	int		 status;
	const char	*kind;
	const char	*title;
} problem_kinds[] = {
	{ 400, "bad-request", "Bad Request" },
	{ 401, "unauthorized", "Unauthorized" },
	{ 403, "forbidden", "Forbidden" },
	{ 404, "not-found", "Not Found" },
	{ 405, "method-not-allowed", "Method Not Allowed" },
	{ 409, "conflict", "Conflict" },
	{ 413, "payload-too-large", "Content Too Large" },
	{ 415, "unsupported-media-type", "Unsupported Media Type" },
	{ 422, "validation", "Unprocessable Content" },
	{ 429, "too-many-requests", "Too Many Requests" },
	{ 500, "internal", "Internal Server Error" },
	{ 503, "unavailable", "Service Unavailable" },
};

/*
 * A JSON answer. A tenant's successful reads may be cached privately and
 * revalidated; anything else is not kept.
 */
void
api_json(struct http_request *req, int status, const char *body, size_t len)
{
	const struct api_call	*call = http_state_get(req);

	respond(req, status, status >= 400 ? "application/problem+json" :
	    "application/json", body, len, call != NULL && call->op != NULL &&
	    call->op->scopes != 0 ? CACHE_PRIVATE : CACHE_NONE);
}

/* Sets `type` and `title` of a problem document from its `status`. */
void
problem_complete(json_t *doc)
{
	const char	*kind, *title;
	json_int_t	 status;
	size_t		 i;

	status = json_integer_value(json_object_get(doc, "status"));
	kind = "internal";
	title = "Internal Server Error";
	for (i = 0; i < sizeof(problem_kinds) / sizeof(problem_kinds[0]);
	    i++) {
		if (problem_kinds[i].status == status) {
			kind = problem_kinds[i].kind;
			title = problem_kinds[i].title;
		}
	}
	(void)json_object_set_new(doc, "type",
	    json_sprintf("urn:ampmeter:problem:%s", kind));
	(void)json_object_set_new(doc, "title", json_string(title));
}

/* Sends a problem document; it takes the reference to doc. */
void
problem_send(struct http_request *req, int status, json_t *doc)
{
	char	*text;

	if (doc != NULL)
		problem_complete(doc);
	text = doc == NULL ? NULL : json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	if (text == NULL) {
		respond(req, 500, NULL, NULL, 0, CACHE_NONE);
		return;
	}
	api_json(req, status, text, strlen(text));
	free(text);
}

/*
 * An RFC 9457 problem. `where` says whether the problems point into the
 * body ("pointer") or name a parameter ("parameter").
 */
void
api_problem(struct http_request *req, int status, const char *detail,
    const char *where, const struct problems *p)
{
	json_t		*doc, *errors, *e;
	size_t		 i, n;

	doc = json_pack("{s:i, s:s}", "status", status, "detail", detail);
	if (doc != NULL && p != NULL && p->count > 0) {
		errors = json_array();
		n = p->count < PROBLEMS_MAX ? p->count : PROBLEMS_MAX;
		for (i = 0; i < n; i++) {
			e = json_pack("{s:s, s:s}", where,
			    p->items[i].pointer, "detail", p->items[i].detail);
			(void)json_array_append_new(errors, e);
		}
		(void)json_object_set_new(doc, "errors", errors);
	}
	problem_send(req, status, doc);
}
