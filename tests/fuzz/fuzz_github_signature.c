/*
 * libFuzzer: the X-Hub-Signature-256 header (github_signature_parse) on
 * any text, then the whole delivery parser (github_params): the input's
 * first line is the header, the rest the body. An accepted header is
 * exactly "sha256=" and 64 hex digits, and its digest lowercase hex.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/github.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct raw_request	in;
	struct raw_answer	out;
	char			digest[GITHUB_DIGEST_HEX + 1], *text, *body;
	size_t			i;

	if ((text = malloc(size + 1)) == NULL)
		return (0);
	memcpy(text, data, size);
	text[size] = '\0';
	memset(&in, 0, sizeof(in));

	if (github_signature_parse(text, digest) == 0) {
		if (strlen(text) != 7 + GITHUB_DIGEST_HEX ||
		    strlen(digest) != GITHUB_DIGEST_HEX ||
		    strcasecmp(text + 7, digest) != 0)
			abort();
		for (i = 0; i < GITHUB_DIGEST_HEX; i++) {
			if (strchr("0123456789abcdef", digest[i]) == NULL)
				abort();
		}
	}

	if ((body = memchr(text, '\n', size)) == NULL)
		body = text + size;
	else
		*body++ = '\0';
	in.len = size - (size_t)(body - text);
	if (utf8_valid(body, in.len)) {
		in.body = body;
		in.headers[0] = text;
		in.headers[1] = "issues";
		in.headers[2] = "72d3162e-cc78-11e3-81ab-4c9367dc0958";
		in.headers[3] = size % 2 ? "application/json" :
		    "application/x-www-form-urlencoded";
		in.now = 1779000000000000LL;
		raw_answer_init(&out);
		(void)github_params(&in, &out);
		raw_answer_free(&out);
	}
	free(text);
	return (0);
}
