/*
 * The web assets built into the binary: the dashboard (/app/) and the API
 * reference (/docs). web/build.mjs writes the table (src/gen/assets.c)
 * at build time; nothing is read from disk at run time.
 */
#ifndef AMP_STATIC_H
#define AMP_STATIC_H

#include <kore/kore.h>
#include <kore/http.h>

#include <stdbool.h>

struct static_asset {
	const char		*path;		/* as requested: "/app/x-1a2b.js" */
	const char		*type;		/* Content-Type */
	const u_int8_t		*data;
	size_t			 len;
	const u_int8_t		*gz;		/* gzip -9 of data, or NULL */
	size_t			 gz_len;
	const char		*etag;		/* quoted; "-gz" added for gz */
	/* A content-hashed name: cached for a year, never revalidated. */
	bool			 immutable;
};

extern const struct static_asset	static_assets[];
extern const size_t			static_assets_count;

int	static_serve(struct http_request *);
int	static_redirect_app(struct http_request *);

#endif
