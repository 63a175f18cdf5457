/*
 * Validation of survey request bodies; see survey_check.h.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "survey_check.h"

#define ANSWERS_MAX_BYTES	16384
#define TEXT_MAX		500

static int	key_check(const json_t *, const char *, const char *,
		    struct problems *);
static int	scale_check(const json_t *, struct problems *);
static int	items_check(const json_t *, json_t *, struct problems *);
static int	index_check(const json_t *, const json_t *,
		    struct problems *);
static void	answers_check(const json_t *, size_t, struct problems *);

static const struct field_spec instrument_fields[] = {
	{ "name", FIELD_STRING, FIELD_REQUIRED, 1, 200, NULL },
	{ "scale", FIELD_OBJECT, FIELD_REQUIRED, 0, 1024, NULL },
	{ "items", FIELD_ARRAY, FIELD_REQUIRED, 1, SURVEY_ITEMS_MAX, NULL },
	{ "index", FIELD_OBJECT, FIELD_NULLABLE, 0, 65536, NULL },
	{ NULL, 0, 0, 0, 0, NULL }
};

static const struct field_spec scale_fields[] = {
	{ "min", FIELD_INTEGER, FIELD_REQUIRED, -SURVEY_SCALE_BOUND,
	    SURVEY_SCALE_BOUND, NULL },
	{ "max", FIELD_INTEGER, FIELD_REQUIRED, -SURVEY_SCALE_BOUND,
	    SURVEY_SCALE_BOUND, NULL },
	{ NULL, 0, 0, 0, 0, NULL }
};

static const struct field_spec item_fields[] = {
	{ "id", FIELD_STRING, FIELD_REQUIRED, 1, 64, NULL },
	{ "subscale", FIELD_STRING, FIELD_REQUIRED, 1, 64, NULL },
	{ "reverse", FIELD_BOOL, 0, 0, 0, NULL },
	{ "text", FIELD_STRING, FIELD_NULLABLE, 1, TEXT_MAX, NULL },
	{ NULL, 0, 0, 0, 0, NULL }
};

static const struct field_spec response_fields[] = {
	{ "id", FIELD_STRING, FIELD_REQUIRED, 1, 64, NULL },
	{ "member", FIELD_STRING, FIELD_REQUIRED, 1, 128, NULL },
	{ "instrument", FIELD_STRING, FIELD_REQUIRED, 1, 64, NULL },
	{ "submitted_at", FIELD_TIME, FIELD_REQUIRED | FIELD_NOT_FUTURE, 0, 0,
	    NULL },
	{ "answers", FIELD_OBJECT, FIELD_REQUIRED, 0, ANSWERS_MAX_BYTES, NULL },
	{ NULL, 0, 0, 0, 0, NULL }
};

static const struct field_spec settings_fields[] = {
	{ "survey_min_group", FIELD_INTEGER, 0, SURVEY_MIN_GROUP_LOW,
	    SURVEY_MIN_GROUP_HIGH, NULL },
	/* An IANA name; the database knows which exist (amp.put_settings). */
	{ "timezone", FIELD_STRING, 0, 1, 64, NULL },
	{ NULL, 0, 0, 0, 0, NULL }
};

/*
 * Item ids and subscale names become JSON object keys and pointer tokens
 * in answers and summaries, so they are held to the path-id alphabet.
 */
static int
key_check(const json_t *obj, const char *name, const char *base,
    struct problems *p)
{
	const char	*s;
	char		 ptr[PROBLEM_POINTER_MAX];

	s = json_string_value(json_object_get(obj, name));
	if (s == NULL || ident_check(s) == 0)
		return (0);
	pointer_join(ptr, sizeof(ptr), base, name);
	problems_add(p, ptr, "must be 1 to 64 characters of A-Z a-z 0-9 . _ "
	    ": -");
	return (-1);
}

static int
scale_check(const json_t *scale, struct problems *p)
{
	json_int_t	min, max;

	if (object_check(scale, scale_fields, "/scale", 0, p) != 0)
		return (-1);
	min = json_integer_value(json_object_get(scale, "min"));
	max = json_integer_value(json_object_get(scale, "max"));
	if (max <= min) {
		problems_add(p, "/scale/max", "must be greater than min");
		return (-1);
	}
	if (max - min + 1 > SURVEY_POINTS_MAX) {
		problems_add(p, "/scale", "must have at most %d points "
		    "(max - min + 1)", SURVEY_POINTS_MAX);
		return (-1);
	}
	return (0);
}

/* Collects the subscale names into `subscales` (name -> true). */
static int
items_check(const json_t *items, json_t *subscales, struct problems *p)
{
	json_t		*item, *seen, *first;
	const char	*id;
	char		 base[32], ptr[PROBLEM_POINTER_MAX];
	size_t		 i, before;

	before = p->count;
	if ((seen = json_object()) == NULL)
		return (-1);
	json_array_foreach(items, i, item) {
		(void)snprintf(base, sizeof(base), "/items/%zu", i);
		if (object_check(item, item_fields, base, 0, p) != 0)
			continue;
		if (key_check(item, "id", base, p) != 0 ||
		    key_check(item, "subscale", base, p) != 0)
			continue;
		id = json_string_value(json_object_get(item, "id"));
		if ((first = json_object_get(seen, id)) != NULL) {
			pointer_join(ptr, sizeof(ptr), base, "id");
			problems_add(p, ptr, "repeats the id of item %lld",
			    (long long)json_integer_value(first));
			continue;
		}
		(void)json_object_set_new(seen, id,
		    json_integer((json_int_t)i));
		(void)json_object_set(subscales, json_string_value(
		    json_object_get(item, "subscale")), json_true());
	}
	json_decref(seen);
	return (p->count == before ? 0 : -1);
}

static int
index_check(const json_t *index, const json_t *subscales, struct problems *p)
{
	const char	*key;
	json_t		*w;
	char		 ptr[PROBLEM_POINTER_MAX];
	size_t		 before;
	int		 nonzero = 0;

	before = p->count;
	json_object_foreach((json_t *)index, key, w) {
		pointer_join(ptr, sizeof(ptr), "/index", key);
		if (json_object_get(subscales, key) == NULL) {
			problems_add(p, ptr, "is not the subscale of any item");
			continue;
		}
		if (!json_is_number(w)) {
			problems_add(p, ptr, "must be a number");
			continue;
		}
		if (!isfinite(json_number_value(w)) ||
		    fabs(json_number_value(w)) > SURVEY_WEIGHT_BOUND) {
			problems_add(p, ptr, "must be between %d and %d",
			    -SURVEY_WEIGHT_BOUND, SURVEY_WEIGHT_BOUND);
			continue;
		}
		nonzero |= json_number_value(w) != 0.0;
	}
	if (p->count == before && !nonzero) {
		/* All zero weights would make an index that is never defined. */
		problems_add(p, "/index", "must give at least one subscale a "
		    "weight other than 0, or be null");
	}
	return (p->count == before ? 0 : -1);
}

int
instrument_check(const json_t *root, amp_usec now, struct problems *p)
{
	json_t		*subscales, *scale, *items, *index;
	size_t		 before;

	before = p->count;
	if (!json_is_object(root))
		return (object_check(root, instrument_fields, "", now, p));
	/* Go on past top-level problems: the client learns all at once. */
	(void)object_check(root, instrument_fields, "", now, p);
	scale = json_object_get(root, "scale");
	if (json_is_object(scale))
		(void)scale_check(scale, p);
	items = json_object_get(root, "items");
	if (!json_is_array(items) || json_array_size(items) < 1 ||
	    json_array_size(items) > SURVEY_ITEMS_MAX)
		return (-1);
	if ((subscales = json_object()) == NULL)
		return (-1);
	/* Index keys are judged against the subscales of valid items. */
	index = json_object_get(root, "index");
	if (items_check(items, subscales, p) == 0 && json_is_object(index))
		(void)index_check(index, subscales, p);
	json_decref(subscales);
	return (p->count == before ? 0 : -1);
}

/* 1 to SURVEY_ITEMS_MAX answers, each a JSON integer. */
static void
answers_check(const json_t *answers, size_t i, struct problems *p)
{
	const char	*key;
	json_t		*v;
	char		 base[48], ptr[PROBLEM_POINTER_MAX];

	(void)snprintf(base, sizeof(base), "/responses/%zu/answers", i);
	if (json_object_size(answers) < 1 ||
	    json_object_size(answers) > SURVEY_ITEMS_MAX) {
		problems_add(p, base, "must have 1 to %d answers",
		    SURVEY_ITEMS_MAX);
		return;
	}
	json_object_foreach((json_t *)answers, key, v) {
		if (json_is_integer(v))
			continue;
		pointer_join(ptr, sizeof(ptr), base, key);
		problems_add(p, ptr, "must be an integer");
	}
}

int
response_batch_check(const json_t *root, amp_usec now, struct problems *p)
{
	json_t	*items, *item, *answers;
	size_t	 i, before;

	before = p->count;
	if (batch_check(root, "responses", response_fields, SURVEY_BATCH_MAX,
	    now, p) != 0 && p->count == before)
		return (-1);	/* out of memory */
	items = json_object_get(root, "responses");
	if (!json_is_array(items) || json_array_size(items) > SURVEY_BATCH_MAX)
		return (p->count == before ? 0 : -1);
	json_array_foreach(items, i, item) {
		answers = json_object_get(item, "answers");
		if (json_is_object(answers))
			answers_check(answers, i, p);
	}
	return (p->count == before ? 0 : -1);
}

int
settings_check(const json_t *root, amp_usec now, struct problems *p)
{
	return (object_check(root, settings_fields, "", now, p));
}
