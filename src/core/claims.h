/*
 * JWT claim rules, apart from signature checks so they can be tested with
 * plain JSON. The tenant is the `org` claim and nothing else.
 */
#ifndef AMP_CLAIMS_H
#define AMP_CLAIMS_H

#include <stdint.h>

#include <jansson.h>

#define SCOPE_EVENTS_WRITE	0x01
#define SCOPE_EVENTS_READ	0x02
#define SCOPE_INDICATORS_READ	0x04
#define SCOPE_SURVEYS_WRITE	0x08
#define SCOPE_ADMIN		0x10

#define CLAIMS_LEEWAY_SEC	60
/* NumericDates end before 10000-01-01T00:00:00Z. */
#define CLAIMS_TIME_END		253402300800.0
#define ORG_MAX			64
#define SUB_MAX			128

struct principal {
	char		org[ORG_MAX + 1];
	char		sub[SUB_MAX + 1];
	unsigned	scopes;
};

/* Returns 0 when the claims admit the bearer, else -1 with *why set. */
int		claims_check(const json_t *, int64_t, const char *,
		    const char *, struct principal *, const char **);
/* Returns 0 when the JOSE header holds nothing we must refuse. */
int		header_check(const json_t *, const char **);
unsigned	scopes_parse(const char *);
int		scopes_allow(unsigned, unsigned);

#endif
