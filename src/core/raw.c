#include <stdlib.h>
#include <string.h>

#include "raw.h"

/* RFC 3629: shortest forms only, no surrogates, nothing above U+10FFFF. */
int
utf8_valid(const char *text, size_t len)
{
	const unsigned char	*s = (const unsigned char *)text;
	size_t			 i, n, k;
	unsigned int		 c, min;

	for (i = 0; i < len; i += n) {
		c = s[i];
		if (c == 0)
			return (0);
		if (c < 0x80) {
			n = 1;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF) {
			n = 2;
			c &= 0x1F;
			min = 0x80;
		} else if (c >= 0xE0 && c <= 0xEF) {
			n = 3;
			c &= 0x0F;
			min = 0x800;
		} else if (c >= 0xF0 && c <= 0xF4) {
			n = 4;
			c &= 0x07;
			min = 0x10000;
		} else
			return (0);
		if (len - i < n)
			return (0);
		for (k = 1; k < n; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return (0);
			c = (c << 6) | (s[i + k] & 0x3F);
		}
		if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
			return (0);
	}
	return (1);
}

void
raw_answer_init(struct raw_answer *a)
{
	memset(a, 0, sizeof(*a));
	a->where = "pointer";
	problems_init(&a->problems);
}

void
raw_answer_free(struct raw_answer *a)
{
	int	i;

	for (i = 0; i < a->nparams; i++)
		free(a->params[i]);
	a->nparams = 0;
}
