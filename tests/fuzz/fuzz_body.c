/*
 * Request bodies: every body validator on the same JSON document, as the
 * API runs them on what a client sends, and the checks of the body's text
 * (numbers that underflow a double; integers past 64 bits, as renderers
 * read them from PostgreSQL).
 */
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/jsontext.h"
#include "core/survey_check.h"
#include "core/validate.h"

#include "fuzz.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int (*const checks[])(const json_t *, amp_usec, struct problems *) = {
	event_batch_check,
	result_batch_check,
	campaign_check,
	kpi_check,
	belief_check,
	instrument_check,
	response_batch_check,
	settings_check,
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct problems	 p;
	json_t		*doc;
	char		*wide;
	size_t		 i, j, wide_len;
	int		 r;

	wide = json_text_widen((const char *)data, size, &wide_len);
	doc = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES,
	    NULL);
	if (doc == NULL) {
		if (wide != NULL)
			json_decref(json_loadb(wide, wide_len, 0, NULL));
		free(wide);
		return (0);
	}
	/* jansson took it, so no integer was past 64 bits. */
	FUZZ_ASSERT(wide == NULL);
	problems_init(&p);
	r = json_text_numbers_check((const char *)data, size, doc, &p);
	FUZZ_ASSERT((r == 0) == (p.count == 0));
	/* Each number the text scan flags is found in the document. */
	for (j = 0; j < p.count && j < PROBLEMS_MAX; j++)
		FUZZ_ASSERT(strncmp(p.items[j].detail, "is too close", 12) == 0);
	for (i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
		problems_init(&p);
		r = checks[i](doc, FUZZ_NOW, &p);
		/* A refusal always says why; an acceptance says nothing. */
		FUZZ_ASSERT((r == 0) == (p.count == 0));
		for (j = 0; j < p.count && j < PROBLEMS_MAX; j++) {
			FUZZ_ASSERT(memchr(p.items[j].pointer, '\0',
			    PROBLEM_POINTER_MAX) != NULL);
			FUZZ_ASSERT(p.items[j].pointer[0] == '\0' ||
			    p.items[j].pointer[0] == '/');
			FUZZ_ASSERT(p.items[j].detail[0] != '\0');
		}
	}
	json_decref(doc);
	return (0);
}
