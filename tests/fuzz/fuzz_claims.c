/*
 * JWT claims and JOSE headers, as JSON, through the checks auth.c runs
 * after the signature verifies. The input is the claims object, then a
 * NUL, then the header object (absent: a plain header).
 */
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/claims.h"
#include "core/validate.h"

#include "fuzz.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define NOW_SEC		1795608000LL

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct principal	 who;
	const uint8_t		*sep;
	const char		*why;
	json_t			*claims, *header;
	size_t			 n;

	sep = memchr(data, '\0', size);
	n = sep == NULL ? size : (size_t)(sep - data);
	claims = json_loadb((const char *)data, n, 0, NULL);
	if (claims != NULL) {
		why = NULL;
		if (claims_check(claims, NOW_SEC, NULL, NULL, &who,
		    &why) == 0) {
			FUZZ_ASSERT(ident_check(who.org) == 0);
			FUZZ_ASSERT(who.sub[0] != '\0');
		} else {
			FUZZ_ASSERT(why != NULL);
		}
		(void)claims_check(claims, NOW_SEC, "iss", "aud", &who, &why);
		json_decref(claims);
	}
	if (sep != NULL) {
		header = json_loadb((const char *)sep + 1, size - n - 1, 0,
		    NULL);
		if (header != NULL) {
			why = NULL;
			if (header_check(header, &why) == 0)
				FUZZ_ASSERT(json_object_get(header, "crit") ==
				    NULL);
			else
				FUZZ_ASSERT(why != NULL);
			json_decref(header);
		}
	}
	return (0);
}
