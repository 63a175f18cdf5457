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
int	 pct_decode(const char *, size_t, char *, size_t);

#endif
