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

/* A full RFC 3339 date-time with an offset ("Z" or "+hh:mm"). */
int	time_parse_rfc3339(const char *, amp_usec *);

/*
 * A window bound: RFC 3339, or a date "YYYY-MM-DD". A date as an upper
 * bound means the end of that day (the next midnight).
 */
int	time_parse_bound(const char *, int is_upper, amp_usec *);

/* "2026-11-25T19:03:12.123456Z"; buf must hold TIME_TEXT_LEN bytes. */
#define TIME_TEXT_LEN	32
/* The length of a date "YYYY-MM-DD", a bound of whole days. */
#define TIME_DATE_LEN	10
void	time_format(amp_usec, char *, size_t);

int64_t	time_days_from_civil(int64_t y, unsigned m, unsigned d);

#endif
