/*
 * Query strings: query_parse, then the window of a read from its `from`
 * and `to`, as every list and indicator read does.
 */
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/query.h"
#include "core/timeparse.h"

#include "fuzz.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct problems	 p;
	json_t		*q, *v;
	const char	*key;
	char		*s, buf[TIME_TEXT_LEN];
	amp_usec	 from, to, back;

	s = fuzz_string(data, size);
	problems_init(&p);
	q = query_parse(s, &p);
	free(s);
	if (q == NULL) {
		FUZZ_ASSERT(p.count > 0);
		return (0);
	}
	FUZZ_ASSERT(p.count == 0);
	json_object_foreach(q, key, v) {
		FUZZ_ASSERT(json_is_string(v));
		FUZZ_ASSERT(strlen(json_string_value(v)) <= QUERY_VALUE_MAX);
	}
	if (query_window(q, FUZZ_NOW, 30, 366, &from, &to, &p) == 0) {
		/* What reaches PostgreSQL is in range and reads back. */
		FUZZ_ASSERT(p.count == 0);
		FUZZ_ASSERT(TIME_MIN <= from && from < to &&
		    to <= TIME_END - TIME_USEC_PER_DAY);
		FUZZ_ASSERT(to - from <= 366 * TIME_USEC_PER_DAY);
		time_format(from, buf, sizeof(buf));
		FUZZ_ASSERT(time_parse_rfc3339(buf, &back) == 0 && back == from);
		time_format(to, buf, sizeof(buf));
		FUZZ_ASSERT(time_parse_rfc3339(buf, &back) == 0 && back == to);
	} else {
		FUZZ_ASSERT(p.count > 0);
	}
	json_decref(q);
	return (0);
}
