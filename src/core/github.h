/*
 * GitHub webhook deliveries: what each becomes (see the mapping in the
 * README and openapi.yaml, after /work/shared/CONNECTORS.md), the form
 * encoding GitHub may use, and the signature header. Pure: the SQL
 * function verifies the signature against the stored secret and stores.
 */
#ifndef AMP_GITHUB_H
#define AMP_GITHUB_H

#include <stddef.h>

#include <jansson.h>

#include "raw.h"

#define GITHUB_DIGEST_HEX	64
#define GITHUB_REASON_MAX	128
#define GITHUB_SECRET_MIN	20
#define GITHUB_SECRET_MAX	256
#define GITHUB_STAFF_MAX	1000

/* The headers the hook operation names, in this order. */
#define GITHUB_HEADERS		{ "x-hub-signature-256", "x-github-event", \
				    "x-github-delivery", "content-type" }

enum github_verdict {
	GITHUB_STORE,		/* `event` is the Event to store */
	GITHUB_IGNORE,		/* acknowledged; `reason` says why not stored */
	GITHUB_BAD		/* a payload that is not what GitHub sends */
};

/*
 * "sha256=" and 64 hex digits (either case) → the digest in lowercase
 * hex, NUL-terminated. -1 for anything else, NULL included.
 */
int	github_signature_parse(const char *, char [GITHUB_DIGEST_HEX + 1]);

/*
 * The `payload` field of an application/x-www-form-urlencoded body,
 * decoded (malloc(3)'d, *len its length). NULL when the body is not
 * well-formed or has no payload, or more than one.
 */
char	*github_form_payload(const char *, size_t, size_t *);

/*
 * One delivery's verdict. `payload` is the parsed JSON; on GITHUB_STORE
 * *event is a new Event object (initiative self, not rewarded: staff
 * marking is the stored configuration's), on GITHUB_BAD the problems
 * point into the payload.
 */
enum github_verdict	github_map(const char *, const char *, const json_t *,
			    amp_usec, json_t **, char [GITHUB_REASON_MAX],
			    struct problems *);

/*
 * The hook operation's parser: signature digest, Event (or NULL) and the
 * answer to give when nothing is stored (or NULL), as SQL parameters.
 * Refuses (401) only a missing or malformed signature header; every other
 * verdict waits for the signature to be verified.
 */
int	github_params(const struct raw_request *, struct raw_answer *);

/* PUT /v1/connectors/github: {"secret": "...", "staff": ["login", ...]}. */
int	github_connector_check(const json_t *, amp_usec, struct problems *);

/* Event types counted apart by the metrics; others count as "other". */
extern const char *const	github_event_names[];
#define GITHUB_EVENT_NAMES	14	/* with "other", last */
size_t	github_event_slot(const char *);

#endif
