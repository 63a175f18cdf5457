/*
 * Timestamps: the RFC 3339 parser and window bounds. Whatever parses is
 * inside the range PostgreSQL and the renderers take, and renders to a
 * text that parses back to the same instant.
 */
#include <stddef.h>
#include <stdint.h>

#include "core/timeparse.h"

#include "fuzz.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	round_trip(amp_usec);

static void
round_trip(amp_usec t)
{
	char		buf[TIME_TEXT_LEN];
	amp_usec	back;

	FUZZ_ASSERT(t >= TIME_MIN && t < TIME_END);
	time_format(t, buf, sizeof(buf));
	FUZZ_ASSERT(strlen(buf) == 27);
	FUZZ_ASSERT(time_parse_rfc3339(buf, &back) == 0);
	FUZZ_ASSERT(back == t);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	amp_usec	 t, lo, hi;
	char		*s;
	int		 r;

	s = fuzz_string(data, size);
	r = time_parse_rfc3339(s, &t);
	FUZZ_ASSERT(r == 0 || r == -1 || r == TIME_OUT_OF_RANGE ||
	    r == TIME_BAD_OFFSET);
	if (r == 0)
		round_trip(t);
	if (time_parse_bound(s, 0, &lo) == 0) {
		round_trip(lo);
		/* A date as an upper bound is the next midnight. */
		if (time_parse_bound(s, 1, &hi) == 0) {
			round_trip(hi);
			FUZZ_ASSERT(hi == lo || hi == lo + TIME_USEC_PER_DAY);
		}
	}
	free(s);
	return (0);
}
