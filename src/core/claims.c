#include <math.h>
#include <stdio.h>
#include <string.h>

#include "claims.h"
#include "validate.h"

static int	time_claim(const json_t *, const char *, int, int64_t *);
static int	audience_matches(const json_t *, const char *);

static const struct {
	const char	*name;
	unsigned	 bit;
} scope_names[] = {
	{ "events:write", SCOPE_EVENTS_WRITE },
	{ "events:read", SCOPE_EVENTS_READ },
	{ "indicators:read", SCOPE_INDICATORS_READ },
	{ "surveys:write", SCOPE_SURVEYS_WRITE },
	{ "admin", SCOPE_ADMIN },
};

unsigned
scopes_parse(const char *s)
{
	unsigned	 mask;
	size_t		 i, n, len;

	mask = 0;
	while (*s != '\0') {
		len = strcspn(s, " ");
		for (i = 0; i < sizeof(scope_names) / sizeof(scope_names[0]);
		    i++) {
			n = strlen(scope_names[i].name);
			if (n == len && strncmp(s, scope_names[i].name, n) == 0)
				mask |= scope_names[i].bit;
		}
		s += len;
		s += strspn(s, " ");
	}
	return (mask);
}

/* `admin` implies every other scope; otherwise any one wanted scope will do. */
int
scopes_allow(unsigned have, unsigned want)
{
	if (want == 0 || (have & SCOPE_ADMIN))
		return (1);
	return ((have & want) != 0);
}

/*
 * A NumericDate: required or optional, integral or not, but a number of
 * seconds from 1970 to the year 9999. Casting a larger double to int64_t
 * is undefined (in practice INT64_MIN, which made a far-future nbf pass),
 * and no honest issuer writes such dates, so they make the token invalid.
 */
static int
time_claim(const json_t *claims, const char *name, int required, int64_t *out)
{
	const json_t	*v;
	double		 d;

	v = json_object_get(claims, name);
	if (v == NULL)
		return (required ? -1 : 1);
	if (!json_is_number(v))
		return (-1);
	d = json_number_value(v);
	if (!isfinite(d) || d < 0 || d >= CLAIMS_TIME_END)
		return (-1);
	*out = (int64_t)d;
	return (0);
}

/*
 * RFC 7515 section 4.1.11: a recipient must refuse a token whose `crit`
 * names an extension it does not understand, and we understand none, so
 * any `crit` at all (even an empty or malformed one) is refused.
 */
int
header_check(const json_t *header, const char **why)
{
	if (!json_is_object(header)) {
		*why = "token header is not a JSON object";
		return (-1);
	}
	if (json_object_get(header, "crit") != NULL) {
		*why = "token header names critical extensions (crit), which "
		    "are not supported";
		return (-1);
	}
	return (0);
}

static int
audience_matches(const json_t *aud, const char *want)
{
	const json_t	*v;
	size_t		 i;

	if (json_is_string(aud))
		return (strcmp(json_string_value(aud), want) == 0);
	if (!json_is_array(aud))
		return (0);
	json_array_foreach(aud, i, v) {
		if (json_is_string(v) && strcmp(json_string_value(v), want) == 0)
			return (1);
	}
	return (0);
}

int
claims_check(const json_t *claims, int64_t now, const char *issuer,
    const char *audience, struct principal *p, const char **why)
{
	const json_t	*org, *sub, *scope, *iss;
	int64_t		 exp, nbf, iat;
	int		 r;

	memset(p, 0, sizeof(*p));
	if (time_claim(claims, "exp", 1, &exp) != 0) {
		*why = "token has no valid exp claim";
		return (-1);
	}
	if (now > exp + CLAIMS_LEEWAY_SEC) {
		*why = "token has expired";
		return (-1);
	}
	if ((r = time_claim(claims, "nbf", 0, &nbf)) == -1) {
		*why = "token has an invalid nbf claim";
		return (-1);
	}
	if (r == 0 && nbf > now + CLAIMS_LEEWAY_SEC) {
		*why = "token is not valid yet (nbf)";
		return (-1);
	}
	if ((r = time_claim(claims, "iat", 0, &iat)) == -1) {
		*why = "token has an invalid iat claim";
		return (-1);
	}
	if (r == 0 && iat > now + CLAIMS_LEEWAY_SEC) {
		*why = "token was issued in the future (iat)";
		return (-1);
	}
	iss = json_object_get(claims, "iss");
	if (issuer != NULL && (!json_is_string(iss) ||
	    strcmp(json_string_value(iss), issuer) != 0)) {
		*why = "token issuer is not accepted";
		return (-1);
	}
	if (audience != NULL &&
	    !audience_matches(json_object_get(claims, "aud"), audience)) {
		*why = "token audience is not accepted";
		return (-1);
	}

	org = json_object_get(claims, "org");
	if (!json_is_string(org) || ident_check(json_string_value(org)) != 0) {
		*why = "token has no valid org claim";
		return (-1);
	}
	(void)snprintf(p->org, sizeof(p->org), "%s", json_string_value(org));

	sub = json_object_get(claims, "sub");
	if (!json_is_string(sub) || json_string_length(sub) == 0) {
		*why = "token has no valid sub claim";
		return (-1);
	}
	(void)snprintf(p->sub, sizeof(p->sub), "%s", json_string_value(sub));

	scope = json_object_get(claims, "scope");
	if (!json_is_string(scope)) {
		*why = "token scope claim must be a space-separated string";
		return (-1);
	}
	p->scopes = scopes_parse(json_string_value(scope));
	return (0);
}
