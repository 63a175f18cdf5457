/*
 * Request body validation: each resource's fields are described by a table
 * of field_spec, and one checker walks any table. Problems are collected
 * with a JSON Pointer each, so a client learns every mistake at once.
 */
#ifndef AMP_VALIDATE_H
#define AMP_VALIDATE_H

#include <jansson.h>

#include "timeparse.h"

#define PROBLEMS_MAX		100
#define PROBLEM_POINTER_MAX	160
#define PROBLEM_DETAIL_MAX	160

/* How far ahead of the clock an event may claim to have happened. */
#define FUTURE_LEEWAY_USEC	(5 * 60 * TIME_USEC_PER_SEC)
#define PROPERTIES_MAX_BYTES	4096
#define BATCH_MAX_ITEMS		1000

struct problem {
	char	pointer[PROBLEM_POINTER_MAX];
	char	detail[PROBLEM_DETAIL_MAX];
};

struct problems {
	size_t		count;		/* all found, even past PROBLEMS_MAX */
	struct problem	items[PROBLEMS_MAX];
};

enum field_type {
	FIELD_STRING,
	FIELD_ENUM,
	FIELD_TIME,
	FIELD_BOOL,
	FIELD_NUMBER,
	FIELD_INTEGER,
	FIELD_OBJECT,
	FIELD_ARRAY		/* min and max count elements */
};

#define FIELD_REQUIRED		0x01
#define FIELD_NULLABLE		0x02
#define FIELD_NOT_FUTURE	0x04	/* time: at most FUTURE_LEEWAY ahead */
#define FIELD_EXCLUSIVE_MIN	0x08	/* number: strictly above min */

struct field_spec {
	const char		*name;
	enum field_type		 type;
	int			 flags;
	double			 min;	/* length for strings, value otherwise */
	double			 max;	/* serialized bytes for objects */
	const char *const	*values;	/* enums, NULL-terminated */
};

void	problems_init(struct problems *);
void	problems_add(struct problems *, const char *, const char *, ...)
	    __attribute__((format(printf, 3, 4)));

int	object_check(const json_t *, const struct field_spec *, const char *,
	    amp_usec, struct problems *);
int	ident_check(const char *);
int	member_check(const char *);
void	pointer_join(char *, size_t, const char *, const char *);
/* An object whose only member `key` is an array of 1..max objects. */
int	batch_check(const json_t *, const char *, const struct field_spec *,
	    size_t, amp_usec, struct problems *);
size_t	utf8_length(const char *);
int	utf8_valid(const char *, size_t);

/* Whole request bodies. `now` is the caller's clock. Return 0 when valid. */
int	event_batch_check(const json_t *, amp_usec, struct problems *);
int	result_batch_check(const json_t *, amp_usec, struct problems *);
int	campaign_check(const json_t *, amp_usec, struct problems *);
int	kpi_check(const json_t *, amp_usec, struct problems *);
int	belief_check(const json_t *, amp_usec, struct problems *);

#endif
