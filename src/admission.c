/*
 * Which requests may have their body read at all: Kore calls this (the
 * http_body_admit hook of patches/kore/03-body-admission.patch) once the
 * headers are in and before any of the body is buffered, so a client
 * without credentials cannot make a worker hold megabytes. Only the
 * presence of a bearer token is checked here; it is verified, as for every
 * request, once the request is complete (auth.c).
 */
#include <string.h>
#include <strings.h>

#include "admission.h"

int
admission_body(struct http_request *req, const char **detail)
{
	const char	*auth;

	/* /healthz, /readyz, /metrics and /openapi.yaml take no body. */
	if (strncmp(req->path, "/v1/", 4) != 0) {
		*detail = "this path takes no request body";
		return (400);
	}
	if (!http_request_header(req, "authorization", &auth) ||
	    strncasecmp(auth, "Bearer ", 7) != 0 || auth[7] == '\0') {
		*detail = "an Authorization: Bearer token is required before "
		    "a body is read";
		return (401);
	}
	return (0);
}
