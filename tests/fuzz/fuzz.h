/*
 * Shared by the libFuzzer targets: the bytes as a NUL-terminated string,
 * and a failed invariant as a crash, so the fuzzer keeps the input.
 */
#ifndef AMP_FUZZ_H
#define AMP_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_ASSERT(c)	do {						\
	if (!(c)) {							\
		fprintf(stderr, "%s:%d: invariant failed: %s\n",	\
		    __FILE__, __LINE__, #c);				\
		abort();						\
	}								\
} while (0)

/* A copy with a NUL, so code for C strings sees exactly these bytes. */
static inline char *
fuzz_string(const uint8_t *data, size_t size)
{
	char	*s;

	if ((s = malloc(size + 1)) == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return (s);
}

/* 2026-11-25T12:00:00Z, so runs do not depend on the clock. */
#define FUZZ_NOW	(1795608000LL * 1000000LL)

#endif
