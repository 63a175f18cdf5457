/*
 * Serving the embedded web assets: exact paths from the generated table,
 * gzip when the client takes it, revalidation by ETag, and long caching
 * for content-hashed names. Pages are revalidated on every load so a new
 * build is seen at once; the hashed files they name never change.
 */
#include <stdio.h>
#include <string.h>

#include <kore/kore.h>
#include <kore/http.h>

#include "api.h"
#include "metrics.h"
#include "static.h"
#include "core/conneg.h"

/*
 * Scripts, styles and images only from this origin (the reference's
 * images are data: URIs); the dashboard may be pointed at another API
 * origin, so fetches may go elsewhere — nothing else can.
 */
#define STATIC_CSP	"default-src 'self'; script-src 'self'; " \
			"style-src 'self'; img-src 'self' data:; " \
			"font-src 'self'; connect-src 'self' http: https:; " \
			"object-src 'none'; base-uri 'none'; " \
			"form-action 'self'; frame-ancestors 'none'"

static const struct static_asset	*asset_find(const char *);

static const struct static_asset *
asset_find(const char *path)
{
	size_t	i;

	for (i = 0; i < static_assets_count; i++) {
		if (strcmp(static_assets[i].path, path) == 0)
			return (&static_assets[i]);
	}
	return (NULL);
}

int
static_serve(struct http_request *req)
{
	const struct static_asset	*a;
	const char			*value;
	char				 etag[80];
	bool				 gz;

	if ((a = asset_find(req->path)) == NULL) {
		api_problem(req, 404, "no resource lives at this path", NULL,
		    NULL);
		return (KORE_RESULT_OK);
	}
	value = NULL;
	gz = a->gz != NULL &&
	    http_request_header(req, "accept-encoding", &value) &&
	    conneg_accepts_gzip(value);
	(void)snprintf(etag, sizeof(etag), gz ? "%.*s-gz\"" : "%.*s\"",
	    (int)strlen(a->etag) - 1, a->etag);

	http_response_header(req, "etag", etag);
	if (a->gz != NULL)
		http_response_header(req, "vary", "Accept-Encoding");
	http_response_header(req, "cache-control", a->immutable ?
	    "public, max-age=31536000, immutable" : "no-cache");
	http_response_header(req, "x-content-type-options", "nosniff");
	http_response_header(req, "content-security-policy", STATIC_CSP);
	http_response_header(req, "referrer-policy", "no-referrer");

	if (http_request_header(req, "if-none-match", &value) &&
	    conneg_etag_matches(value, etag)) {
		req->flags |= HTTP_REQUEST_NO_CONTENT_LENGTH;
		http_response(req, 304, NULL, 0);
		metrics_record(req, 304);
		return (KORE_RESULT_OK);
	}
	http_response_header(req, "content-type", a->type);
	if (gz) {
		http_response_header(req, "content-encoding", "gzip");
		http_response(req, 200, a->gz, a->gz_len);
	} else {
		http_response(req, 200, a->data, a->len);
	}
	metrics_record(req, 200);
	return (KORE_RESULT_OK);
}

/* "/app" → "/app/", so relative names in the page resolve under it. */
int
static_redirect_app(struct http_request *req)
{
	http_response_header(req, "location", "/app/");
	http_response_header(req, "cache-control", "no-cache");
	http_response(req, 301, NULL, 0);
	metrics_record(req, 301);
	return (KORE_RESULT_OK);
}
