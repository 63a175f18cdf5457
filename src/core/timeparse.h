/*
 * RFC 3339 timestamps and calendar dates, parsed without the C library's
 * locale- and timezone-dependent functions so the result is the same in
 * every process, chrooted or not.
 */
#ifndef AMP_TIMEPARSE_H
#define AMP_TIMEPARSE_H

#include <stddef.h>
#include <stdint.h>

#define TIME_USEC_PER_SEC	1000000LL
#define TIME_USEC_PER_DAY	(86400LL * TIME_USEC_PER_SEC)

/* Microseconds since 1970-01-01T00:00:00Z. */
typedef int64_t	amp_usec;

/*
 * What PostgreSQL's timestamptz and our renderers both take: years 0001 to
 * 9999 in UTC. PostgreSQL itself goes further (4713 BC to 294276 AD) but
 * renders year 10000 with five digits and years before 1 with " BC",
 * neither of which is RFC 3339, so the API stops at four-digit years.
 */
#define TIME_MIN	(-62135596800LL * TIME_USEC_PER_SEC)	/* 0001-01-01 */
#define TIME_END	(253402300800LL * TIME_USEC_PER_SEC)	/* 10000-01-01 */

/* Returned for a well-formed time outside [TIME_MIN, TIME_END). */
#define TIME_OUT_OF_RANGE	(-2)
/* Returned for an offset of 16:00 or more, which RFC 3339 allows. */
#define TIME_BAD_OFFSET		(-3)

/*
 * A full RFC 3339 date-time with an offset ("Z" or "+hh:mm"). The offset
 * is at most 15:59 either way, as PostgreSQL refuses larger ones. Returns
 * 0, -1 when malformed, TIME_BAD_OFFSET or TIME_OUT_OF_RANGE.
 */
int	time_parse_rfc3339(const char *, amp_usec *);

/*
 * A window bound: RFC 3339, or a date "YYYY-MM-DD". A date as an upper
 * bound means the end of that day (the next midnight), so "9999-12-31" as
 * an upper bound is out of range. Returns as time_parse_rfc3339 does.
 */
int	time_parse_bound(const char *, int is_upper, amp_usec *);

/*
 * "2026-11-25T19:03:12.123456Z"; buf must hold TIME_TEXT_LEN bytes. Only
 * times in [TIME_MIN, TIME_END) render as RFC 3339.
 */
#define TIME_TEXT_LEN	32
/* The length of a date "YYYY-MM-DD", a bound of whole days. */
#define TIME_DATE_LEN	10
void	time_format(amp_usec, char *, size_t);

int64_t	time_days_from_civil(int64_t y, unsigned m, unsigned d);

#endif
