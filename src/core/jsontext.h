/*
 * Numbers in JSON text that jansson and PostgreSQL read differently.
 * jansson reads a number too close to zero for a double (1e-400) as 0,
 * where PostgreSQL's cast to double precision fails; and jansson refuses
 * an integer beyond 64 bits, which PostgreSQL's numeric prints freely (a
 * KPI target of 1e300 comes back as 301 digits). Both need the text.
 */
#ifndef AMP_JSONTEXT_H
#define AMP_JSONTEXT_H

#include <stddef.h>

#include <jansson.h>

#include "validate.h"

/*
 * A problem, pointing at the number, for each number in `text` (the very
 * text `doc` was parsed from) that underflows a double. Returns 0 if none.
 */
int	 json_text_numbers_check(const char *, size_t, const json_t *,
	    struct problems *);

/*
 * A malloc'd copy of JSON text in which integers beyond 64 bits are
 * written as reals ("…0.0"), so jansson reads them as doubles; NULL when
 * the text has none (or on allocation failure), the length in *outlen.
 */
char	*json_text_widen(const char *, size_t, size_t *);

#endif
