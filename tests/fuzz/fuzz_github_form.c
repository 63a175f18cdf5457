/*
 * libFuzzer: the application/x-www-form-urlencoded decoding of GitHub
 * deliveries (github_form_payload) on any bytes. What it finds is never
 * longer than the body, and a body holding exactly one well-encoded
 * payload field is found again after the fuzzer's bytes are wrapped.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/github.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char	hex[] = "0123456789ABCDEF";
	char			*out, *enc;
	size_t			 len, n, i;

	out = github_form_payload((const char *)data, size, &len);
	if (out != NULL) {
		if (len > size)
			abort();
		free(out);
	}

	/* Encoded as GitHub encodes it, any bytes decode to themselves. */
	if ((enc = malloc(3 * size + 8)) == NULL)
		return (0);
	memcpy(enc, "payload=", 8);
	for (i = 0, n = 8; i < size; i++) {
		enc[n++] = '%';
		enc[n++] = hex[data[i] >> 4];
		enc[n++] = hex[data[i] & 0xF];
	}
	out = github_form_payload(enc, n, &len);
	if (out == NULL || len != size || memcmp(out, data, size) != 0)
		abort();
	free(out);
	free(enc);
	return (0);
}
