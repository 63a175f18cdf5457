/*
 * Which requests may have their body read at all: Kore calls this (the
 * http_body_admit hook of patches/kore/03-body-admission.patch) once the
 * headers are in and before any of the body is buffered, so a client
 * without credentials cannot make a worker hold megabytes. Only the
 * presence of a bearer token is checked here; it is verified, as for every
 * request, once the request is complete (auth.c). What takes a body, and
 * whether it needs a token, is read from the route table.
 */
#include <string.h>
#include <strings.h>

#include "admission.h"
#include "api.h"

int
admission_body(struct http_request *req, const char **detail)
{
	enum api_body	 policy;
	const char	*auth;

	policy = api_body_policy(req->path, req->method);
	if (policy == API_BODY_NONE) {
		*detail = "this path takes no request body";
		return (400);
	}
	if (policy == API_BODY_BEARER &&
	    (!http_request_header(req, "authorization", &auth) ||
	    strncasecmp(auth, "Bearer ", 7) != 0 || auth[7] == '\0')) {
		*detail = "an Authorization: Bearer token is required before "
		    "a body is read";
		return (401);
	}
	return (0);
}
