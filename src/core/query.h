/*
 * Query strings, parsed by us rather than Kore, so that a bad or unknown
 * parameter gets a 400 naming it instead of being dropped in silence.
 */
#ifndef AMP_QUERY_H
#define AMP_QUERY_H

#include <jansson.h>

#include "validate.h"

#define QUERY_VALUE_MAX		512

/* Returns an object of name -> decoded value, or NULL with a problem. */
json_t	*query_parse(const char *, struct problems *);

/*
 * Percent-decoding into out (NUL-terminated); -1 for a bad escape, a
 * control character or too little room. In a path '+' stays a plus; in a
 * query it is a space.
 */
int	 path_decode(const char *, size_t, char *, size_t);
int	 query_decode(const char *, size_t, char *, size_t);
long	 form_decode(const char *, size_t, char *, size_t);
int	 hex_value(int);

/*
 * The window of a read from the parsed query's `from` and `to`: `to`
 * defaults to now and `from` to default_days before `to`; a window longer
 * than max_days (when positive) is refused. Bounds outside the years
 * 0001-9999 are refused too, as PostgreSQL or the renderers would fail on
 * them, and so is a `to` after 9999-12-31T00:00:00Z, as reads round it up
 * to a midnight. Returns 0, or -1 with problems naming the parameter.
 */
int	 query_window(const json_t *, amp_usec, int, int, amp_usec *,
	    amp_usec *, struct problems *);

#endif
