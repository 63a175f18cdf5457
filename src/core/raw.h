/*
 * Operations that take their body as it was sent rather than as a JSON
 * document to validate (a signed webhook: the signature covers the exact
 * bytes). Their parser is pure: the body and the headers the operation
 * names in, the SQL parameters it derives (or a refusal) out.
 */
#ifndef AMP_RAW_H
#define AMP_RAW_H

#include <stddef.h>

#include "timeparse.h"
#include "validate.h"

#define RAW_HEADERS_MAX		4
#define RAW_PARAMS_MAX		4

struct raw_request {
	const char	*body;		/* NUL-terminated, valid UTF-8 */
	size_t		 len;
	/* The values of the operation's `headers`, NULL when absent. */
	const char	*headers[RAW_HEADERS_MAX];
	amp_usec	 now;
};

struct raw_answer {
	/* The derived SQL parameters: malloc(3)'d, NULL meaning SQL NULL. */
	char		*params[RAW_PARAMS_MAX];
	int		 nparams;
	/* A refusal: its status, detail, and what it points at. */
	int		 status;
	char		 detail[PROBLEM_DETAIL_MAX];
	const char	*where;		/* "pointer" or "parameter" */
	struct problems	 problems;
};

/* Whether [s, s + len) is UTF-8 without NUL (so it can be SQL text). */
void	raw_answer_init(struct raw_answer *);
void	raw_answer_free(struct raw_answer *);

#endif
