#ifndef AMP_RESPOND_H
#define AMP_RESPOND_H

#include <kore/kore.h>
#include <kore/http.h>

/* Seconds a client waits before retrying a 503. */
#define RETRY_AFTER_SEC		"2"

/* How an answer may be kept by caches. */
enum respond_cache {
	CACHE_NONE,		/* no-store: writes, errors, live state */
	CACHE_PRIVATE,		/* private, no-cache + ETag: a tenant's reads */
	CACHE_PUBLIC		/* no-cache + ETag: the same for everyone */
};

void	respond(struct http_request *, int, const char *, const void *,
	    size_t, enum respond_cache);
void	respond_cors(struct http_request *);
int	respond_preflight(struct http_request *, const char *);

#endif
