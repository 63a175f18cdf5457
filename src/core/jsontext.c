#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsontext.h"

/* Problems past PROBLEMS_MAX are counted, not located. */
#define UNDERFLOW_MAX	PROBLEMS_MAX

struct number_walk {
	const size_t	*ordinals;	/* ascending */
	size_t		 count;
	size_t		 next;		/* index into ordinals */
	size_t		 seen;		/* numbers walked so far */
	struct problems	*p;
};

static size_t	number_end(const char *, size_t, size_t);
static size_t	string_end(const char *, size_t, size_t);
static int	underflows(const char *, size_t);
static int	int_overflows(const char *, size_t);
static void	walk(const json_t *, const char *, struct number_walk *);

/* Index just past the closing quote of the string opening at i. */
static size_t
string_end(const char *s, size_t len, size_t i)
{
	for (i++; i < len && s[i] != '"'; i++) {
		if (s[i] == '\\')
			i++;
	}
	return (i < len ? i + 1 : len);
}

static size_t
number_end(const char *s, size_t len, size_t i)
{
	while (i < len && strchr("+-0123456789.eE", s[i]) != NULL &&
	    s[i] != '\0')
		i++;
	return (i);
}

/* As PostgreSQL's float8in: a nonzero number that strtod takes to 0. */
static int
underflows(const char *tok, size_t n)
{
	char	*copy;
	double	 d;
	int	 r;

	if ((copy = strndup(tok, n)) == NULL)
		return (0);
	errno = 0;
	d = strtod(copy, NULL);
	r = errno == ERANGE && d == 0.0;
	free(copy);
	return (r);
}

/* An integer token (no fraction, no exponent) beyond int64_t. */
static int
int_overflows(const char *tok, size_t n)
{
	const char	*max;
	size_t		 i;

	for (i = 0; i < n; i++) {
		if (tok[i] == '.' || tok[i] == 'e' || tok[i] == 'E')
			return (0);
	}
	max = "9223372036854775807";
	if (*tok == '-') {
		tok++;
		n--;
		max = "9223372036854775808";
	}
	if (n != strlen(max))
		return (n > strlen(max));
	return (strncmp(tok, max, n) > 0);
}

/* Numbers in document order: jansson keeps the order of object keys. */
static void
walk(const json_t *v, const char *ptr, struct number_walk *w)
{
	const char	*key;
	json_t		*child;
	char		 sub[PROBLEM_POINTER_MAX];
	size_t		 i;

	if (w->next >= w->count)
		return;
	if (json_is_number(v)) {
		if (w->seen++ == w->ordinals[w->next]) {
			problems_add(w->p, ptr, "is too close to zero to be "
			    "stored as a double; send 0 instead");
			w->next++;
		}
	} else if (json_is_object(v)) {
		json_object_foreach((json_t *)v, key, child) {
			pointer_join(sub, sizeof(sub), ptr, key);
			walk(child, sub, w);
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, child) {
			(void)snprintf(sub, sizeof(sub), "%s/%zu", ptr, i);
			walk(child, sub, w);
		}
	}
}

int
json_text_numbers_check(const char *s, size_t len, const json_t *doc,
    struct problems *p)
{
	struct number_walk	 w;
	size_t			 ordinals[UNDERFLOW_MAX];
	size_t			 i, end, n, found;

	n = 0;
	found = 0;
	for (i = 0; i < len; ) {
		if (s[i] == '"') {
			i = string_end(s, len, i);
		} else if (s[i] == '-' || (s[i] >= '0' && s[i] <= '9')) {
			end = number_end(s, len, i);
			if (underflows(s + i, end - i)) {
				if (found < UNDERFLOW_MAX)
					ordinals[found] = n;
				found++;
			}
			n++;
			i = end;
		} else {
			i++;
		}
	}
	if (found == 0)
		return (0);
	memset(&w, 0, sizeof(w));
	w.ordinals = ordinals;
	w.count = found < UNDERFLOW_MAX ? found : UNDERFLOW_MAX;
	w.p = p;
	walk(doc, "", &w);
	/* Those past the cap, or any the walk missed, still count. */
	for (i = w.next; i < found; i++)
		problems_add(p, "", "a number is too close to zero to be "
		    "stored as a double");
	return (-1);
}

char *
json_text_widen(const char *s, size_t len, size_t *outlen)
{
	char	*out;
	size_t	 i, end, n, extra;

	extra = 0;
	for (i = 0; i < len; ) {
		if (s[i] == '"') {
			i = string_end(s, len, i);
		} else if (s[i] == '-' || (s[i] >= '0' && s[i] <= '9')) {
			end = number_end(s, len, i);
			extra += int_overflows(s + i, end - i) ? 2 : 0;
			i = end;
		} else {
			i++;
		}
	}
	if (extra == 0 || (out = malloc(len + extra + 1)) == NULL)
		return (NULL);
	for (i = 0, n = 0; i < len; ) {
		if (s[i] == '"') {
			end = string_end(s, len, i);
		} else if (s[i] == '-' || (s[i] >= '0' && s[i] <= '9')) {
			end = number_end(s, len, i);
		} else {
			end = i + 1;
		}
		memcpy(out + n, s + i, end - i);
		n += end - i;
		if ((s[i] == '-' || (s[i] >= '0' && s[i] <= '9')) &&
		    int_overflows(s + i, end - i)) {
			memcpy(out + n, ".0", 2);
			n += 2;
		}
		i = end;
	}
	out[n] = '\0';
	*outlen = n;
	return (out);
}
