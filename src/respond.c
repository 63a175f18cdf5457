/*
 * Every answer leaves through respond(): CORS for the origins configured
 * (AMP_CORS_ORIGINS), caching headers, a strong ETag on cacheable reads
 * with If-None-Match → 304, and gzip for bodies of 1 KiB or more when the
 * client accepts it. The ETag is a hash of the answer itself, so it
 * changes exactly when the answer would: after an ingest, an erasure, a
 * KPI or settings change — or as a default window moves with the clock.
 */
#include <sys/types.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kore/kore.h>
#include <kore/http.h>

#include <zlib.h>

#include "config.h"
#include "metrics.h"
#include "respond.h"

#define GZIP_MIN	1024
#define ETAG_LEN	40
#define PREFLIGHT_MAX_AGE	"600"

static const char	expose_headers[] = "ETag, Retry-After, "
    "WWW-Authenticate, Allow, Location, RateLimit, RateLimit-Policy";
static const char	allow_headers[] = "Authorization, Content-Type, "
    "If-None-Match";

static void	etag_make(const void *, size_t, char *, size_t);
static int	etag_matches(const char *, const char *);
static int	gzip_accepted(struct http_request *);
static void	*gzip_body(const void *, size_t, size_t *);
static const char	*origin_allowed(struct http_request *);

/* The request's Origin when it is one of ours, or "*" when all are. */
static const char *
origin_allowed(struct http_request *req)
{
	const char	*origin;
	size_t		 i;

	if (amp_config.cors_count == 0 ||
	    !http_request_header(req, "origin", &origin))
		return (NULL);
	for (i = 0; i < amp_config.cors_count; i++) {
		if (strcmp(amp_config.cors[i], "*") == 0)
			return ("*");
		if (strcmp(amp_config.cors[i], origin) == 0)
			return (origin);
	}
	return (NULL);
}

void
respond_cors(struct http_request *req)
{
	const char	*origin;

	if (amp_config.cors_count == 0)
		return;
	http_response_header(req, "vary", "Origin");
	if ((origin = origin_allowed(req)) == NULL)
		return;
	http_response_header(req, "access-control-allow-origin", origin);
	http_response_header(req, "access-control-expose-headers",
	    expose_headers);
}

/*
 * OPTIONS on a path whose methods are `allow`: 204 with Allow, and for a
 * CORS preflight from a listed origin what the browser asks about.
 */
int
respond_preflight(struct http_request *req, const char *allow)
{
	const char	*method;

	http_response_header(req, "allow", allow);
	if (origin_allowed(req) != NULL &&
	    http_request_header(req, "access-control-request-method",
	    &method)) {
		http_response_header(req, "access-control-allow-methods",
		    allow);
		http_response_header(req, "access-control-allow-headers",
		    allow_headers);
		http_response_header(req, "access-control-max-age",
		    PREFLIGHT_MAX_AGE);
	}
	respond(req, 204, NULL, NULL, 0, CACHE_NONE);
	return (KORE_RESULT_OK);
}

/* FNV-1a 64 of the body, and its length: "<hash>-<length>". */
static void
etag_make(const void *body, size_t len, char *out, size_t outlen)
{
	const unsigned char	*p = body;
	uint64_t		 h = 0xcbf29ce484222325ULL;
	size_t			 i;

	for (i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	(void)snprintf(out, outlen, "%016llx-%zx", (unsigned long long)h, len);
}

/*
 * If-None-Match compares weakly (RFC 9110 13.1.2): W/ and the coding
 * suffix (-gz) aside, any listed tag equal to ours matches, as does "*".
 */
static int
etag_matches(const char *header, const char *tag)
{
	const char	*p = header, *q;
	size_t		 n, taglen = strlen(tag);

	while (*p != '\0') {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '*')
			return (1);
		if (strncmp(p, "W/", 2) == 0)
			p += 2;
		if (*p != '"')
			return (0);
		p++;
		if ((q = strchr(p, '"')) == NULL)
			return (0);
		n = (size_t)(q - p);
		if (n >= 3 && strncmp(q - 3, "-gz", 3) == 0)
			n -= 3;
		if (n == taglen && strncmp(p, tag, n) == 0)
			return (1);
		p = q + 1;
	}
	return (0);
}

/* Accept-Encoding names gzip (or *) without q=0. */
static int
gzip_accepted(struct http_request *req)
{
	const char	*ae, *p, *end, *semi;
	size_t		 n;

	if (!http_request_header(req, "accept-encoding", &ae))
		return (0);
	for (p = ae; *p != '\0'; p = *end == ',' ? end + 1 : end) {
		while (*p == ' ' || *p == '\t')
			p++;
		if ((end = strchr(p, ',')) == NULL)
			end = p + strlen(p);
		semi = memchr(p, ';', (size_t)(end - p));
		n = (size_t)((semi != NULL ? semi : end) - p);
		while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (!((n == 4 && strncasecmp(p, "gzip", 4) == 0) ||
		    (n == 1 && *p == '*')))
			continue;
		if (semi == NULL)
			return (1);
		for (semi++; semi < end && (*semi == ' ' || *semi == '\t');
		    semi++)
			;
		if (strncasecmp(semi, "q=0", 3) != 0)
			return (1);
		for (semi += 3; semi < end && (*semi == '0' || *semi == '.');
		    semi++)
			;
		if (semi < end && *semi >= '1' && *semi <= '9')
			return (1);
	}
	return (0);
}

static void *
gzip_body(const void *body, size_t len, size_t *outlen)
{
	z_stream	 z;
	unsigned char	*out;
	size_t		 cap;

	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8,
	    Z_DEFAULT_STRATEGY) != Z_OK)
		return (NULL);
	cap = deflateBound(&z, len);
	out = kore_malloc(cap);
	z.next_in = (unsigned char *)(uintptr_t)body;
	z.avail_in = len;
	z.next_out = out;
	z.avail_out = cap;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END) {
		(void)deflateEnd(&z);
		kore_free(out);
		return (NULL);
	}
	*outlen = cap - z.avail_out;
	(void)deflateEnd(&z);
	return (out);
}

void
respond(struct http_request *req, int status, const char *type,
    const void *body, size_t len, enum respond_cache cache)
{
	const char	*inm;
	char		 tag[ETAG_LEN], quoted[ETAG_LEN + 8];
	void		*packed;
	size_t		 plen;
	int		 gz;

	respond_cors(req);
	if (type != NULL)
		http_response_header(req, "content-type", type);
	if (status == 503)
		http_response_header(req, "retry-after", RETRY_AFTER_SEC);
	if (status != 200 || cache == CACHE_NONE ||
	    (req->method != HTTP_METHOD_GET &&
	    req->method != HTTP_METHOD_HEAD)) {
		http_response_header(req, "cache-control", "no-store");
		cache = CACHE_NONE;
	} else {
		http_response_header(req, "cache-control",
		    cache == CACHE_PRIVATE ? "private, no-cache" : "no-cache");
	}

	gz = 0;
	if (body != NULL && len >= GZIP_MIN) {
		http_response_header(req, "vary", "Accept-Encoding");
		gz = gzip_accepted(req);
	}
	if (cache != CACHE_NONE) {
		etag_make(body, len, tag, sizeof(tag));
		(void)snprintf(quoted, sizeof(quoted), "\"%s%s\"", tag,
		    gz ? "-gz" : "");
		http_response_header(req, "etag", quoted);
		if (http_request_header(req, "if-none-match", &inm) &&
		    etag_matches(inm, tag)) {
			req->flags |= HTTP_REQUEST_NO_CONTENT_LENGTH;
			http_response(req, 304, NULL, 0);
			metrics_record(req, 304);
			return;
		}
	}
	if (gz && (packed = gzip_body(body, len, &plen)) != NULL) {
		http_response_header(req, "content-encoding", "gzip");
		http_response(req, status, packed, plen);
		kore_free(packed);
	} else {
		http_response(req, status, status == 204 ? NULL : body,
		    status == 204 ? 0 : len);
	}
	metrics_record(req, status);
}
