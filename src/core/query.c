#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "query.h"

static long	decode(const char *, size_t, char *, size_t, int);
static void	bound_problem(struct problems *, const char *, int);

int
hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

#define PLUS_IS_SPACE	0x01	/* form encoding */
#define CONTROLS_OK	0x02	/* a form field carrying a whole document */

/*
 * Percent-decoding into out, NUL-terminated; the decoded length, or -1.
 * Control characters are refused unless CONTROLS_OK.
 */
static long
decode(const char *s, size_t len, char *out, size_t outlen, int flags)
{
	size_t	i, n;
	int	hi, lo;
	char	c;

	if (outlen == 0)
		return (-1);
	for (i = 0, n = 0; i < len; i++) {
		c = s[i];
		if (c == '+' && (flags & PLUS_IS_SPACE)) {
			c = ' ';
		} else if (c == '%') {
			if (i + 2 >= len)
				return (-1);
			if ((hi = hex_value((unsigned char)s[i + 1])) < 0 ||
			    (lo = hex_value((unsigned char)s[i + 2])) < 0)
				return (-1);
			c = (char)(hi * 16 + lo);
			i += 2;
		}
		if (((unsigned char)c < 0x20 && !(flags & CONTROLS_OK)) ||
		    n + 1 >= outlen)
			return (-1);
		out[n++] = c;
	}
	out[n] = '\0';
	return ((long)n);
}

/*
 * A path segment (RFC 3986 section 2.1): only percent-escapes are decoded,
 * and '+' is a plus, so the members "a+b" and "a b" (a%20b) stay apart.
 */
int
path_decode(const char *s, size_t len, char *out, size_t outlen)
{
	return (decode(s, len, out, outlen, 0) < 0 ? -1 : 0);
}

/*
 * A query string is application/x-www-form-urlencoded (the WHATWG URL
 * standard, and what HTML forms and most HTTP clients send), where '+' is
 * a space; a literal plus is %2B there.
 */
int
query_decode(const char *s, size_t len, char *out, size_t outlen)
{
	return (decode(s, len, out, outlen, PLUS_IS_SPACE) < 0 ? -1 : 0);
}

/*
 * A form field's value as sent, control characters (newlines, NUL) and
 * all: its decoded length, or -1.
 */
long
form_decode(const char *s, size_t len, char *out, size_t outlen)
{
	return (decode(s, len, out, outlen, PLUS_IS_SPACE | CONTROLS_OK));
}

json_t *
query_parse(const char *qs, struct problems *p)
{
	json_t		*q;
	const char	*part, *eq, *end;
	char		 key[64], val[QUERY_VALUE_MAX + 1];

	if ((q = json_object()) == NULL)
		return (NULL);
	for (part = qs; qs != NULL && *part != '\0'; part = end) {
		end = part + strcspn(part, "&");
		eq = memchr(part, '=', (size_t)(end - part));
		if (end == part) {
			end++;
			continue;
		}
		if (eq == NULL)
			eq = end;
		if (query_decode(part, (size_t)(eq - part), key, sizeof(key)) != 0 ||
		    query_decode(eq < end ? eq + 1 : end, eq < end ?
		    (size_t)(end - eq - 1) : 0, val, sizeof(val)) != 0) {
			problems_add(p, "", "query string is not well formed "
			    "or a value is longer than %d bytes",
			    QUERY_VALUE_MAX);
			json_decref(q);
			return (NULL);
		}
		if (json_object_get(q, key) != NULL) {
			problems_add(p, key, "is given more than once");
			json_decref(q);
			return (NULL);
		}
		if (json_object_set_new(q, key, json_string(val)) != 0) {
			problems_add(p, key, "is not valid UTF-8");
			json_decref(q);
			return (NULL);
		}
		if (*end == '&')
			end++;
	}
	return (q);
}

static void
bound_problem(struct problems *p, const char *name, int rc)
{
	if (rc == TIME_OUT_OF_RANGE)
		problems_add(p, name, "must fall in the years 0001 to 9999 in "
		    "UTC (a date as `to` means the next midnight)");
	else if (rc == TIME_BAD_OFFSET)
		problems_add(p, name, "must have an offset from -15:59 to "
		    "+15:59");
	else
		problems_add(p, name, "must be an RFC 3339 date-time or a "
		    "date YYYY-MM-DD");
}

int
query_window(const json_t *q, amp_usec now, int default_days, int max_days,
    amp_usec *from, amp_usec *to, struct problems *p)
{
	const char	*v;
	size_t		 before;
	int		 rc, has_from;

	before = p->count;
	*to = now;
	if ((v = json_string_value(json_object_get(q, "to"))) != NULL &&
	    (rc = time_parse_bound(v, 1, to)) != 0)
		bound_problem(p, "to", rc);
	*from = *to - default_days * TIME_USEC_PER_DAY;
	has_from = (v = json_string_value(json_object_get(q, "from"))) != NULL;
	if (has_from && (rc = time_parse_bound(v, 0, from)) != 0)
		bound_problem(p, "from", rc);
	if (p->count != before)
		return (-1);

	/*
	 * Indicator windows are whole days: `to` is taken up to the next
	 * midnight, which must still be in the year 9999.
	 */
	if (*to > TIME_END - TIME_USEC_PER_DAY) {
		problems_add(p, "to", "must not be after 9999-12-31T00:00:00Z, "
		    "as windows end at a midnight");
		return (-1);
	}
	if (!has_from && *from < TIME_MIN) {
		problems_add(p, "from", "is required when `to` is less than "
		    "%d days after 0001-01-01", default_days);
		return (-1);
	}
	if (*from >= *to) {
		problems_add(p, "from", "must be before to");
		return (-1);
	}
	if (max_days > 0 && *to - *from > max_days * TIME_USEC_PER_DAY) {
		problems_add(p, "to", "the window must not be longer than %d "
		    "days", max_days);
		return (-1);
	}
	return (0);
}
