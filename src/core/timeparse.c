#include <stdio.h>
#include <string.h>

#include "timeparse.h"

static int	digits(const char *, int, int *);
static int	parse_date(const char *, int *, int *, int *);
static void	civil_from_days(int64_t, int64_t *, unsigned *, unsigned *);
static int	in_range(amp_usec);

static int
digits(const char *s, int n, int *out)
{
	int	i, v;

	v = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return (-1);
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return (0);
}

static int
days_in_month(int y, int m)
{
	static const int	mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31,
				    30, 31, 30, 31 };
	int			leap;

	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (m == 2 && leap)
		return (29);
	return (mdays[m - 1]);
}

static int
parse_date(const char *s, int *y, int *m, int *d)
{
	if (digits(s, 4, y) || s[4] != '-' || digits(s + 5, 2, m) ||
	    s[7] != '-' || digits(s + 8, 2, d))
		return (-1);
	if (*y < 1 || *m < 1 || *m > 12 || *d < 1 ||
	    *d > days_in_month(*y, *m))
		return (-1);
	return (0);
}

/* Howard Hinnant's days_from_civil: exact for the proleptic Gregorian calendar. */
int64_t
time_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t		era;
	unsigned	yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (era * 146097 + (int64_t)doe - 719468);
}

static void
civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t		era;
	unsigned	doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static int
in_range(amp_usec t)
{
	return (t >= TIME_MIN && t < TIME_END ? 0 : TIME_OUT_OF_RANGE);
}

int
time_parse_rfc3339(const char *s, amp_usec *out)
{
	int		y, mo, d, h, mi, sec, oh, om, n;
	int64_t		frac, scale, offset;
	const char	*p;

	if (strlen(s) < 20 || parse_date(s, &y, &mo, &d))
		return (-1);
	if ((s[10] != 'T' && s[10] != 't') || digits(s + 11, 2, &h) ||
	    s[13] != ':' || digits(s + 14, 2, &mi) || s[16] != ':' ||
	    digits(s + 17, 2, &sec))
		return (-1);
	if (h > 23 || mi > 59 || sec > 59)
		return (-1);

	p = s + 19;
	frac = 0;
	if (*p == '.') {
		p++;
		scale = 100000;
		for (n = 0; *p >= '0' && *p <= '9'; n++, p++) {
			if (n < 6) {
				frac += (*p - '0') * scale;
				scale /= 10;
			}
		}
		if (n == 0 || n > 9)
			return (-1);
	}

	offset = 0;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		/* RFC 3339 allows 23:59; PostgreSQL stops at 15:59. */
		if (digits(p + 1, 2, &oh) || p[3] != ':' ||
		    digits(p + 4, 2, &om) || om > 59)
			return (-1);
		if (oh > 15)
			return (TIME_BAD_OFFSET);
		offset = (int64_t)(oh * 60 + om) * 60;
		if (*p == '-')
			offset = -offset;
		p += 6;
	} else {
		return (-1);
	}
	if (*p != '\0')
		return (-1);

	*out = (time_days_from_civil(y, mo, d) * 86400 + h * 3600 +
	    mi * 60 + sec - offset) * TIME_USEC_PER_SEC + frac;
	return (in_range(*out));
}

int
time_parse_bound(const char *s, int is_upper, amp_usec *out)
{
	int	y, m, d;

	if (strlen(s) == TIME_DATE_LEN) {
		if (parse_date(s, &y, &m, &d))
			return (-1);
		*out = time_days_from_civil(y, m, d) * TIME_USEC_PER_DAY;
		if (is_upper)
			*out += TIME_USEC_PER_DAY;
		return (in_range(*out));
	}
	return (time_parse_rfc3339(s, out));
}

void
time_format(amp_usec t, char *buf, size_t len)
{
	int64_t		days, secs, y;
	amp_usec	us;
	unsigned	m, d;

	days = t / TIME_USEC_PER_DAY;
	us = t % TIME_USEC_PER_DAY;
	if (us < 0) {
		us += TIME_USEC_PER_DAY;
		days--;
	}
	civil_from_days(days, &y, &m, &d);
	secs = us / TIME_USEC_PER_SEC;
	(void)snprintf(buf, len, "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%06lldZ",
	    (long long)y, m, d, (long long)(secs / 3600),
	    (long long)(secs / 60 % 60), (long long)(secs % 60),
	    (long long)(us % TIME_USEC_PER_SEC));
}
