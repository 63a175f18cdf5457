/*
 * Content negotiation for the embedded web assets: small parsers of
 * Accept-Encoding and If-None-Match, kept pure so they are unit-tested.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conneg.h"

static const char	*skip_space(const char *);
static bool		 zero_quality(const char *, const char *);

static const char *
skip_space(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return (s);
}

/* Whether the parameters between p and end say q=0 (0, 0.0, 0.000). */
static bool
zero_quality(const char *p, const char *end)
{
	while ((p = memchr(p, ';', (size_t)(end - p))) != NULL) {
		p = skip_space(p + 1);
		if (end - p >= 2 && (p[0] == 'q' || p[0] == 'Q') &&
		    p[1] == '=') {
			p += 2;
			if (p >= end || *p != '0')
				return (false);
			for (p++; p < end && *p == '.'; p++)
				;
			while (p < end && *p == '0')
				p++;
			p = skip_space(p);
			return (p >= end || *p == ';');
		}
	}
	return (false);
}

/*
 * "gzip" or "*" listed without q=0; "identity;q=0" alone does not make
 * gzip acceptable, and neither does an absent header.
 */
bool
conneg_accepts_gzip(const char *value)
{
	const char	*p, *end, *name_end;
	size_t		 n;

	if (value == NULL)
		return (false);
	for (p = value; *p != '\0'; p = *end == ',' ? end + 1 : end) {
		p = skip_space(p);
		if ((end = strchr(p, ',')) == NULL)
			end = p + strlen(p);
		for (name_end = p; name_end < end && *name_end != ';' &&
		    *name_end != ' ' && *name_end != '\t'; name_end++)
			;
		n = (size_t)(name_end - p);
		if (((n == 4 && strncasecmp(p, "gzip", 4) == 0) ||
		    (n == 6 && strncasecmp(p, "x-gzip", 6) == 0) ||
		    (n == 1 && *p == '*')) && !zero_quality(name_end, end))
			return (true);
	}
	return (false);
}

/*
 * If-None-Match: "*", or a list of entity tags compared weakly (a W/
 * prefix on either side is ignored). etag is the quoted tag as sent.
 */
bool
conneg_etag_matches(const char *value, const char *etag)
{
	const char	*p, *close;
	size_t		 len;

	if (value == NULL || etag == NULL)
		return (false);
	if (strncmp(etag, "W/", 2) == 0)
		etag += 2;
	len = strlen(etag);
	for (p = skip_space(value); *p != '\0'; p = skip_space(p)) {
		if (*p == '*')
			return (true);
		if (strncmp(p, "W/", 2) == 0)
			p += 2;
		if (*p != '"' || (close = strchr(p + 1, '"')) == NULL)
			return (false);
		if ((size_t)(close + 1 - p) == len &&
		    strncmp(p, etag, len) == 0)
			return (true);
		p = skip_space(close + 1);
		if (*p == ',')
			p++;
		else if (*p != '\0')
			return (false);
	}
	return (false);
}
