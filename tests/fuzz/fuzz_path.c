/*
 * Path ids: percent-decoding as the API does for /v1/members/{id} and
 * the other ids, then the id rules. Whatever a member id rule accepts is
 * valid UTF-8 by jansson's judgement too (PostgreSQL's is the same).
 */
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/query.h"
#include "core/validate.h"

#include "fuzz.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t	*j;
	char	*s, id[4 * 128 + 1];
	size_t	 n, i, plus;

	s = fuzz_string(data, size);
	if (path_decode(s, size, id, sizeof(id)) == 0) {
		n = strlen(id);
		FUZZ_ASSERT(n <= size);
		/* '+' is never a space in a path. */
		for (i = 0, plus = 0; i < size; i++)
			plus += s[i] == '+';
		for (i = 0; i < n; i++)
			plus -= plus > 0 && id[i] == '+';
		FUZZ_ASSERT(plus == 0);
		j = json_string(id);
		FUZZ_ASSERT((j != NULL) == (utf8_valid(id, strlen(id)) != 0));
		json_decref(j);
		if (member_check(id) == 0) {
			FUZZ_ASSERT(n >= 1 && utf8_valid(id, strlen(id)));
			FUZZ_ASSERT(utf8_length(id) <= 128);
		}
		if (ident_check(id) == 0)
			FUZZ_ASSERT(n >= 1 && n <= 64);
	}
	free(s);
	return (0);
}
