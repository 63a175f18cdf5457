#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "query.h"

static int	hexval(char);

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

/* Percent-decoding with '+' as space; control characters are refused. */
int
pct_decode(const char *s, size_t len, char *out, size_t outlen)
{
	size_t	i, n;
	int	hi, lo;
	char	c;

	for (i = 0, n = 0; i < len; i++) {
		c = s[i];
		if (c == '+') {
			c = ' ';
		} else if (c == '%') {
			if (i + 2 >= len)
				return (-1);
			if ((hi = hexval(s[i + 1])) < 0 ||
			    (lo = hexval(s[i + 2])) < 0)
				return (-1);
			c = (char)(hi * 16 + lo);
			i += 2;
		}
		if ((unsigned char)c < 0x20 || n + 1 >= outlen)
			return (-1);
		out[n++] = c;
	}
	out[n] = '\0';
	return (0);
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
		if (pct_decode(part, (size_t)(eq - part), key, sizeof(key)) != 0 ||
		    pct_decode(eq < end ? eq + 1 : end, eq < end ?
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
