#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "validate.h"

#define POINTER_TOKEN_MAX	(PROBLEM_POINTER_MAX)

static int	field_check(const json_t *, const struct field_spec *,
		    const char *, amp_usec, struct problems *);
static int	string_check(const json_t *, const struct field_spec *,
		    const char *, struct problems *);

static const char *const kinds[] = { "consume", "react", "create",
    "contribute", "convert", NULL };
static const char *const initiatives[] = { "self", "prompted",
    "incentivized", NULL };
static const char *const beneficiaries[] = { "self", "others", "community",
    NULL };
static const char *const incentives[] = { "none", "recognition", "points",
    "tangible", "monetary", "contest", "quota", NULL };
static const char *const contingencies[] = { "none", "engagement",
    "completion", "performance", NULL };
static const char *const periods[] = { "day", "week", "month", "quarter",
    "year", NULL };
static const char *const directions[] = { "higher", "lower", NULL };

static const struct field_spec event_fields[] = {
	{ "id", FIELD_STRING, FIELD_REQUIRED, 1, 64, NULL },
	{ "member", FIELD_STRING, FIELD_REQUIRED, 1, 128, NULL },
	{ "channel", FIELD_STRING, FIELD_REQUIRED, 1, 64, NULL },
	{ "action", FIELD_STRING, FIELD_REQUIRED, 1, 64, NULL },
	{ "kind", FIELD_ENUM, FIELD_REQUIRED, 0, 0, kinds },
	{ "occurred_at", FIELD_TIME, FIELD_REQUIRED | FIELD_NOT_FUTURE, 0, 0,
	    NULL },
	{ "initiative", FIELD_ENUM, 0, 0, 0, initiatives },
	{ "rewarded", FIELD_BOOL, 0, 0, 0, NULL },
	{ "beneficiary", FIELD_ENUM, 0, 0, 0, beneficiaries },
	{ "quality", FIELD_NUMBER, 0, 0, 1, NULL },
	{ "level", FIELD_INTEGER, 0, 1, 5, NULL },
	{ "campaign", FIELD_STRING, 0, 1, 64, NULL },
	{ "value", FIELD_NUMBER, 0, -1e300, 1e300, NULL },
	{ "properties", FIELD_OBJECT, 0, 0, PROPERTIES_MAX_BYTES, NULL },
	{ NULL, 0, 0, 0, 0, NULL }
};

static const struct field_spec result_fields[] = {
	{ "id", FIELD_STRING, FIELD_REQUIRED, 1, 64, NULL },
	{ "metric", FIELD_STRING, FIELD_REQUIRED, 1, 64, NULL },
	{ "value", FIELD_NUMBER, FIELD_REQUIRED, -1e300, 1e300, NULL },
	{ "observed_at", FIELD_TIME, FIELD_REQUIRED | FIELD_NOT_FUTURE, 0, 0,
	    NULL },
	{ "channel", FIELD_STRING, 0, 1, 64, NULL },
	{ "campaign", FIELD_STRING, 0, 1, 64, NULL },
	{ NULL, 0, 0, 0, 0, NULL }
};

static const struct field_spec campaign_fields[] = {
	{ "name", FIELD_STRING, FIELD_REQUIRED, 1, 200, NULL },
	{ "incentive", FIELD_ENUM, FIELD_REQUIRED, 0, 0, incentives },
	{ "contingency", FIELD_ENUM, 0, 0, 0, contingencies },
	{ "starts_at", FIELD_TIME, FIELD_REQUIRED, 0, 0, NULL },
	{ "ends_at", FIELD_TIME, FIELD_NULLABLE, 0, 0, NULL },
	{ "channel", FIELD_STRING, FIELD_NULLABLE, 1, 64, NULL },
	{ NULL, 0, 0, 0, 0, NULL }
};

static const char *const belief_indicators[] = { "autonomy", "mastery",
    "purpose", "amp", "extrinsic_pressure", "results", "free_choice_rate",
    NULL };
static const char *const expectations[] = { "increase", "decrease", NULL };

static const struct field_spec belief_fields[] = {
	{ "statement", FIELD_STRING, FIELD_REQUIRED, 1, 500, NULL },
	{ "indicator", FIELD_ENUM, FIELD_REQUIRED, 0, 0, belief_indicators },
	{ "at", FIELD_TIME, 0, 0, 0, NULL },
	{ "campaign", FIELD_STRING, 0, 1, 64, NULL },
	{ "expect", FIELD_ENUM, FIELD_REQUIRED, 0, 0, expectations },
	{ "window_days", FIELD_INTEGER, 0, 3, 180, NULL },
	{ "channel", FIELD_STRING, 0, 1, 64, NULL },
	{ NULL, 0, 0, 0, 0, NULL }
};

static const struct field_spec kpi_fields[] = {
	{ "name", FIELD_STRING, FIELD_REQUIRED, 1, 200, NULL },
	{ "unit", FIELD_STRING, FIELD_NULLABLE, 0, 32, NULL },
	{ "target", FIELD_NUMBER, FIELD_NULLABLE | FIELD_EXCLUSIVE_MIN, 0,
	    1e300, NULL },
	{ "period", FIELD_ENUM, FIELD_NULLABLE, 0, 0, periods },
	{ "direction", FIELD_ENUM, 0, 0, 0, directions },
	{ NULL, 0, 0, 0, 0, NULL }
};

void
problems_init(struct problems *p)
{
	p->count = 0;
}

void
problems_add(struct problems *p, const char *pointer, const char *fmt, ...)
{
	va_list		ap;
	struct problem	*pr;

	if (p->count++ >= PROBLEMS_MAX)
		return;
	pr = &p->items[p->count - 1];
	(void)snprintf(pr->pointer, sizeof(pr->pointer), "%s", pointer);
	va_start(ap, fmt);
	(void)vsnprintf(pr->detail, sizeof(pr->detail), fmt, ap);
	va_end(ap);
}

/* RFC 6901: "~" and "/" inside a key are escaped as "~0" and "~1". */
void
pointer_join(char *out, size_t len, const char *base, const char *key)
{
	size_t	n;

	n = (size_t)snprintf(out, len, "%s/", base);
	for (; *key != '\0' && n + 3 < len; key++) {
		if (*key == '~') {
			out[n++] = '~';
			out[n++] = '0';
		} else if (*key == '/') {
			out[n++] = '~';
			out[n++] = '1';
		} else {
			out[n++] = *key;
		}
	}
	out[n < len ? n : len - 1] = '\0';
}

size_t
utf8_length(const char *s)
{
	size_t	n;

	for (n = 0; *s != '\0'; s++) {
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	}
	return (n);
}

/* Path identifiers: 1-64 of [A-Za-z0-9._:-], safe in URLs and logs. */
int
ident_check(const char *s)
{
	size_t	n;

	for (n = 0; s[n] != '\0'; n++) {
		if (!((s[n] >= 'a' && s[n] <= 'z') ||
		    (s[n] >= 'A' && s[n] <= 'Z') ||
		    (s[n] >= '0' && s[n] <= '9') ||
		    strchr("._:-", s[n]) != NULL))
			return (-1);
	}
	return (n >= 1 && n <= 64 ? 0 : -1);
}

/*
 * Member ids: 1-128 characters, no control characters, valid UTF-8. A body
 * is UTF-8 by the time jansson has parsed it, but a path is whatever its
 * percent-escapes decode to, and PostgreSQL refuses invalid UTF-8 text.
 */
int
member_check(const char *s)
{
	size_t	i;

	for (i = 0; s[i] != '\0'; i++) {
		if ((unsigned char)s[i] < 0x20)
			return (-1);
	}
	if (i < 1 || !utf8_valid(s, strlen(s)))
		return (-1);
	return (utf8_length(s) <= 128 ? 0 : -1);
}

/*
 * RFC 3629: shortest forms only, no surrogates, nothing above U+10FFFF, and
 * no NUL: the rules of jansson and PostgreSQL, so what passes is stored.
 */
int
utf8_valid(const char *text, size_t len)
{
	const unsigned char	*s = (const unsigned char *)text;
	size_t			 i, n, k;
	unsigned int		 c, min;

	for (i = 0; i < len; i += n) {
		c = s[i];
		if (c == 0)
			return (0);
		if (c < 0x80) {
			n = 1;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF) {
			n = 2;
			c &= 0x1F;
			min = 0x80;
		} else if (c >= 0xE0 && c <= 0xEF) {
			n = 3;
			c &= 0x0F;
			min = 0x800;
		} else if (c >= 0xF0 && c <= 0xF4) {
			n = 4;
			c &= 0x07;
			min = 0x10000;
		} else
			return (0);
		if (len - i < n)
			return (0);
		for (k = 1; k < n; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return (0);
			c = (c << 6) | (s[i + k] & 0x3F);
		}
		if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
			return (0);
	}
	return (1);
}

static int
string_check(const json_t *v, const struct field_spec *f, const char *ptr,
    struct problems *p)
{
	const char	*s;
	size_t		 n, i;

	s = json_string_value(v);
	for (i = 0; s[i] != '\0'; i++) {
		if ((unsigned char)s[i] < 0x20) {
			problems_add(p, ptr, "must not contain control "
			    "characters");
			return (-1);
		}
	}
	n = utf8_length(s);
	if (n < (size_t)f->min || n > (size_t)f->max) {
		problems_add(p, ptr, "must be %zu to %zu characters long",
		    (size_t)f->min, (size_t)f->max);
		return (-1);
	}
	return (0);
}

static int
enum_check(const json_t *v, const struct field_spec *f, const char *ptr,
    struct problems *p)
{
	const char	*s;
	char		 list[128];
	size_t		 i, n;

	s = json_string_value(v);
	for (i = 0; f->values[i] != NULL; i++) {
		if (strcmp(s, f->values[i]) == 0)
			return (0);
	}
	list[0] = '\0';
	for (i = 0, n = 0; f->values[i] != NULL && n < sizeof(list); i++)
		n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s",
		    i ? ", " : "", f->values[i]);
	problems_add(p, ptr, "must be one of: %s", list);
	return (-1);
}

static int
time_check(const json_t *v, const struct field_spec *f, const char *ptr,
    amp_usec now, struct problems *p)
{
	amp_usec	t;

	switch (time_parse_rfc3339(json_string_value(v), &t)) {
	case 0:
		break;
	case TIME_BAD_OFFSET:
		problems_add(p, ptr, "must have an offset from -15:59 to "
		    "+15:59");
		return (-1);
	case TIME_OUT_OF_RANGE:
		problems_add(p, ptr, "must fall in the years 0001 to 9999 "
		    "in UTC");
		return (-1);
	default:
		problems_add(p, ptr, "must be an RFC 3339 date-time with an "
		    "offset, e.g. 2026-01-31T09:30:00Z");
		return (-1);
	}
	if (t < 0) {
		problems_add(p, ptr, "must not be before 1970-01-01");
		return (-1);
	}
	if ((f->flags & FIELD_NOT_FUTURE) && t > now + FUTURE_LEEWAY_USEC) {
		problems_add(p, ptr, "must not be more than 5 minutes in the "
		    "future");
		return (-1);
	}
	return (0);
}

static int
number_check(const json_t *v, const struct field_spec *f, const char *ptr,
    struct problems *p)
{
	double	d;

	d = json_number_value(v);
	if (!isfinite(d) || d < f->min || d > f->max ||
	    ((f->flags & FIELD_EXCLUSIVE_MIN) && d <= f->min)) {
		if (f->flags & FIELD_EXCLUSIVE_MIN)
			problems_add(p, ptr, "must be greater than %g", f->min);
		else
			problems_add(p, ptr, "must be between %g and %g",
			    f->min, f->max);
		return (-1);
	}
	return (0);
}

static int
field_check(const json_t *v, const struct field_spec *f, const char *ptr,
    amp_usec now, struct problems *p)
{
	size_t	size;

	if (json_is_null(v)) {
		if (f->flags & FIELD_NULLABLE)
			return (0);
		problems_add(p, ptr, "must not be null");
		return (-1);
	}

	switch (f->type) {
	case FIELD_STRING:
		if (!json_is_string(v))
			break;
		return (string_check(v, f, ptr, p));
	case FIELD_ENUM:
		if (!json_is_string(v))
			break;
		return (enum_check(v, f, ptr, p));
	case FIELD_TIME:
		if (!json_is_string(v))
			break;
		return (time_check(v, f, ptr, now, p));
	case FIELD_BOOL:
		if (!json_is_boolean(v))
			break;
		return (0);
	case FIELD_NUMBER:
		if (!json_is_number(v))
			break;
		return (number_check(v, f, ptr, p));
	case FIELD_INTEGER:
		if (!json_is_integer(v))
			break;
		return (number_check(v, f, ptr, p));
	case FIELD_OBJECT:
		if (!json_is_object(v))
			break;
		size = json_dumpb(v, NULL, 0, JSON_COMPACT);
		if (size > (size_t)f->max) {
			problems_add(p, ptr, "must be at most %zu bytes when "
			    "serialized", (size_t)f->max);
			return (-1);
		}
		return (0);
	case FIELD_ARRAY:
		if (!json_is_array(v))
			break;
		size = json_array_size(v);
		if (size < (size_t)f->min || size > (size_t)f->max) {
			problems_add(p, ptr, "must have %zu to %zu elements",
			    (size_t)f->min, (size_t)f->max);
			return (-1);
		}
		return (0);
	}

	switch (f->type) {
	case FIELD_STRING:
	case FIELD_ENUM:
		problems_add(p, ptr, "must be a string");
		break;
	case FIELD_TIME:
		problems_add(p, ptr, "must be an RFC 3339 date-time string");
		break;
	case FIELD_BOOL:
		problems_add(p, ptr, "must be true or false");
		break;
	case FIELD_NUMBER:
		problems_add(p, ptr, "must be a number");
		break;
	case FIELD_INTEGER:
		problems_add(p, ptr, "must be an integer");
		break;
	case FIELD_OBJECT:
		problems_add(p, ptr, "must be an object");
		break;
	case FIELD_ARRAY:
		problems_add(p, ptr, "must be an array");
		break;
	}
	return (-1);
}

int
object_check(const json_t *obj, const struct field_spec *specs,
    const char *base, amp_usec now, struct problems *p)
{
	const struct field_spec	*f;
	const char		*key;
	json_t			*v;
	char			 ptr[POINTER_TOKEN_MAX];
	size_t			 before;

	before = p->count;
	if (!json_is_object(obj)) {
		problems_add(p, base, "must be an object");
		return (-1);
	}

	json_object_foreach((json_t *)obj, key, v) {
		for (f = specs; f->name != NULL; f++) {
			if (strcmp(f->name, key) == 0)
				break;
		}
		pointer_join(ptr, sizeof(ptr), base, key);
		if (f->name == NULL)
			problems_add(p, ptr, "is not a known field");
		else
			(void)field_check(v, f, ptr, now, p);
	}

	for (f = specs; f->name != NULL; f++) {
		if ((f->flags & FIELD_REQUIRED) &&
		    json_object_get(obj, f->name) == NULL) {
			pointer_join(ptr, sizeof(ptr), base, f->name);
			problems_add(p, ptr, "is required");
		}
	}
	return (p->count == before ? 0 : -1);
}

int
batch_check(const json_t *root, const char *key,
    const struct field_spec *specs, size_t max, amp_usec now,
    struct problems *p)
{
	const char	*k, *id;
	json_t		*items, *item, *seen, *v, *first;
	char		 base[32], ptr[POINTER_TOKEN_MAX];
	size_t		 i;

	if (!json_is_object(root)) {
		problems_add(p, "", "must be an object with \"%s\"", key);
		return (-1);
	}
	json_object_foreach((json_t *)root, k, v) {
		if (strcmp(k, key) != 0) {
			pointer_join(ptr, sizeof(ptr), "", k);
			problems_add(p, ptr, "is not a known field");
		}
	}
	pointer_join(base, sizeof(base), "", key);
	items = json_object_get(root, key);
	if (items == NULL) {
		problems_add(p, base, "is required");
		return (-1);
	}
	if (!json_is_array(items) || json_array_size(items) < 1 ||
	    json_array_size(items) > max) {
		problems_add(p, base, "must be an array of 1 to %zu items",
		    max);
		return (-1);
	}

	if ((seen = json_object()) == NULL)
		return (-1);
	json_array_foreach(items, i, item) {
		(void)snprintf(ptr, sizeof(ptr), "%s/%zu", base, i);
		if (object_check(item, specs, ptr, now, p) != 0)
			continue;
		id = json_string_value(json_object_get(item, "id"));
		if ((first = json_object_get(seen, id)) != NULL) {
			(void)snprintf(ptr, sizeof(ptr), "%s/%zu/id", base, i);
			problems_add(p, ptr, "repeats the id of item %lld in "
			    "this batch", (long long)json_integer_value(first));
		} else {
			(void)json_object_set_new(seen, id,
			    json_integer((json_int_t)i));
		}
	}
	json_decref(seen);
	return (p->count == 0 ? 0 : -1);
}

int
event_batch_check(const json_t *root, amp_usec now, struct problems *p)
{
	return (batch_check(root, "events", event_fields, BATCH_MAX_ITEMS, now,
	    p));
}

int
result_batch_check(const json_t *root, amp_usec now, struct problems *p)
{
	return (batch_check(root, "results", result_fields, BATCH_MAX_ITEMS,
	    now, p));
}

int
campaign_check(const json_t *root, amp_usec now, struct problems *p)
{
	const json_t	*s, *e;
	amp_usec	 ts, te;

	if (object_check(root, campaign_fields, "", now, p) != 0)
		return (-1);
	s = json_object_get(root, "starts_at");
	e = json_object_get(root, "ends_at");
	if (e != NULL && json_is_string(e) &&
	    time_parse_rfc3339(json_string_value(s), &ts) == 0 &&
	    time_parse_rfc3339(json_string_value(e), &te) == 0 && te <= ts) {
		problems_add(p, "/ends_at", "must be after starts_at");
		return (-1);
	}
	return (0);
}

int
kpi_check(const json_t *root, amp_usec now, struct problems *p)
{
	const json_t	*target, *period;

	if (object_check(root, kpi_fields, "", now, p) != 0)
		return (-1);
	target = json_object_get(root, "target");
	period = json_object_get(root, "period");
	if (target != NULL && !json_is_null(target) &&
	    (period == NULL || json_is_null(period))) {
		problems_add(p, "/period", "is required when a target is set");
		return (-1);
	}
	return (0);
}

int
belief_check(const json_t *root, amp_usec now, struct problems *p)
{
	int	has_at, has_campaign;

	if (object_check(root, belief_fields, "", now, p) != 0)
		return (-1);
	has_at = json_object_get(root, "at") != NULL;
	has_campaign = json_object_get(root, "campaign") != NULL;
	if (has_at == has_campaign) {
		problems_add(p, has_at ? "/campaign" : "/at", "give either a "
		    "change point `at` or a `campaign`, not %s",
		    has_at ? "both" : "neither");
		return (-1);
	}
	return (0);
}
