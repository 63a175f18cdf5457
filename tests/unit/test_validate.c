/* Validation of request bodies, claims, query strings and timestamps. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "unit.h"

#include "core/claims.h"
#include "core/query.h"
#include "core/timeparse.h"
#include "core/validate.h"

/* 2026-11-25T12:00:00Z */
#define NOW	(1795608000LL * TIME_USEC_PER_SEC)

static json_t *
parse(const char *text)
{
	json_t	*j;

	j = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
	assert_non_null(j);
	return (j);
}

static void
check_events(const char *text, int ok, const char *pointer)
{
	struct problems	 p;
	json_t		*j;

	j = parse(text);
	problems_init(&p);
	assert_int_equal(event_batch_check(j, NOW, &p), ok ? 0 : -1);
	if (pointer != NULL)
		assert_true(has_problem(&p, pointer));
	json_decref(j);
}

#define EV(extra) "{\"events\":[{\"id\":\"a\",\"member\":\"m\",\"channel\":" \
	"\"forum\",\"action\":\"post\",\"kind\":\"create\",\"occurred_at\":" \
	"\"2026-11-25T11:00:00Z\"" extra "}]}"

static void
test_event_minimal_is_valid(void **state)
{
	(void)state;
	check_events(EV(""), 1, NULL);
	check_events(EV(",\"quality\":0.5,\"level\":3,\"rewarded\":true,"
	    "\"initiative\":\"prompted\",\"beneficiary\":\"community\","
	    "\"value\":12.5,\"properties\":{\"a\":1},\"campaign\":\"c\""), 1,
	    NULL);
}

static void
test_event_field_rules(void **state)
{
	(void)state;
	check_events(EV(",\"quality\":1.5"), 0, "/events/0/quality");
	check_events(EV(",\"level\":6"), 0, "/events/0/level");
	check_events(EV(",\"level\":2.5"), 0, "/events/0/level");
	check_events(EV(",\"rewarded\":\"yes\""), 0, "/events/0/rewarded");
	check_events(EV(",\"initiative\":\"forced\""), 0,
	    "/events/0/initiative");
	check_events(EV(",\"colour\":\"red\""), 0, "/events/0/colour");
	check_events(EV(",\"properties\":[]"), 0, "/events/0/properties");
	check_events(EV(",\"campaign\":\"\""), 0, "/events/0/campaign");
	check_events("{\"events\":[{\"id\":\"a\"}]}", 0, "/events/0/member");
	check_events("{\"events\":[]}", 0, "/events");
	check_events("{\"events\":[1]}", 0, "/events/0");
	check_events("{\"event\":[]}", 0, "/event");
	check_events("[]", 0, "");
}

static void
test_event_time_rules(void **state)
{
	(void)state;
	/* Four minutes ahead passes, six do not. */
	check_events("{\"events\":[{\"id\":\"a\",\"member\":\"m\",\"channel\":"
	    "\"f\",\"action\":\"p\",\"kind\":\"react\",\"occurred_at\":"
	    "\"2026-11-25T12:04:00Z\"}]}", 1, NULL);
	check_events("{\"events\":[{\"id\":\"a\",\"member\":\"m\",\"channel\":"
	    "\"f\",\"action\":\"p\",\"kind\":\"react\",\"occurred_at\":"
	    "\"2026-11-25T12:06:00Z\"}]}", 0, "/events/0/occurred_at");
	check_events("{\"events\":[{\"id\":\"a\",\"member\":\"m\",\"channel\":"
	    "\"f\",\"action\":\"p\",\"kind\":\"react\",\"occurred_at\":"
	    "\"2026-11-25\"}]}", 0, "/events/0/occurred_at");
}

static void
test_duplicate_ids_in_batch(void **state)
{
	(void)state;
	check_events("{\"events\":[" "{\"id\":\"a\",\"member\":\"m\",\"channel\":"
	    "\"f\",\"action\":\"p\",\"kind\":\"react\",\"occurred_at\":"
	    "\"2026-11-25T11:00:00Z\"},{\"id\":\"a\",\"member\":\"m\",\"channel\":"
	    "\"f\",\"action\":\"p\",\"kind\":\"react\",\"occurred_at\":"
	    "\"2026-11-25T11:00:00Z\"}]}", 0, "/events/1/id");
}

static void
test_pointer_escaping(void **state)
{
	(void)state;
	check_events(EV(",\"a/b~c\":1"), 0, "/events/0/a~1b~0c");
}

static void
test_problem_cap(void **state)
{
	struct problems	 p;
	json_t		*root, *items;
	int		 i;

	(void)state;
	root = json_object();
	items = json_array();
	for (i = 0; i < 150; i++)
		json_array_append_new(items, json_object());
	json_object_set_new(root, "events", items);
	problems_init(&p);
	assert_int_equal(event_batch_check(root, NOW, &p), -1);
	assert_true(p.count > PROBLEMS_MAX);
	json_decref(root);
}

static void
test_campaign_and_kpi_rules(void **state)
{
	struct problems	 p;
	json_t		*j;

	(void)state;
	j = parse("{\"name\":\"n\",\"incentive\":\"points\",\"starts_at\":"
	    "\"2026-01-02T00:00:00Z\",\"ends_at\":\"2026-01-01T00:00:00Z\"}");
	problems_init(&p);
	assert_int_equal(campaign_check(j, NOW, &p), -1);
	assert_true(has_problem(&p, "/ends_at"));
	json_decref(j);

	j = parse("{\"name\":\"n\",\"incentive\":\"none\",\"starts_at\":"
	    "\"2026-01-02T00:00:00Z\",\"ends_at\":null,\"channel\":null}");
	problems_init(&p);
	assert_int_equal(campaign_check(j, NOW, &p), 0);
	json_decref(j);

	j = parse("{\"name\":\"Sign-ups\",\"target\":10}");
	problems_init(&p);
	assert_int_equal(kpi_check(j, NOW, &p), -1);
	assert_true(has_problem(&p, "/period"));
	json_decref(j);

	j = parse("{\"name\":\"Sign-ups\",\"target\":0,\"period\":\"day\"}");
	problems_init(&p);
	assert_int_equal(kpi_check(j, NOW, &p), -1);
	assert_true(has_problem(&p, "/target"));
	json_decref(j);
}

static void
test_time_parse(void **state)
{
	amp_usec	t;
	char		buf[TIME_TEXT_LEN];

	(void)state;
	assert_int_equal(time_parse_rfc3339("2026-11-25T12:00:00Z", &t), 0);
	assert_true(t == NOW);
	assert_int_equal(time_parse_rfc3339("2026-11-25T14:00:00+02:00", &t),
	    0);
	assert_true(t == NOW);
	assert_int_equal(time_parse_rfc3339("2026-11-25T12:00:00.5Z", &t), 0);
	assert_true(t == NOW + 500000);
	time_format(NOW + 7, buf, sizeof(buf));
	assert_string_equal(buf, "2026-11-25T12:00:00.000007Z");
	assert_int_equal(time_parse_rfc3339("2026-02-30T00:00:00Z", &t), -1);
	assert_int_equal(time_parse_rfc3339("2026-11-25 12:00:00Z", &t), -1);
	assert_int_equal(time_parse_rfc3339("2026-11-25T12:00:00", &t), -1);
	assert_int_equal(time_parse_rfc3339("2026-11-25T24:00:00Z", &t), -1);
	assert_int_equal(time_parse_bound("2026-11-25", 0, &t), 0);
	assert_true(t == NOW - 12 * 3600 * TIME_USEC_PER_SEC);
	assert_int_equal(time_parse_bound("2026-11-25", 1, &t), 0);
	assert_true(t == NOW + 12 * 3600 * TIME_USEC_PER_SEC);
	assert_int_equal(time_parse_bound("2024-02-29", 0, &t), 0);
	assert_int_equal(time_parse_bound("2023-02-29", 0, &t), -1);
}

static void
check_claims(const char *text, int ok, const char *iss, const char *aud)
{
	struct principal	 who;
	const char		*why;
	json_t			*j;

	j = parse(text);
	assert_int_equal(claims_check(j, 1000000, iss, aud, &who, &why),
	    ok ? 0 : -1);
	json_decref(j);
}

static void
test_claims(void **state)
{
	struct principal	 who;
	const char		*why;
	json_t			*j;

	(void)state;
	j = parse("{\"org\":\"acme\",\"sub\":\"u\",\"scope\":\"events:read "
	    "admin\",\"exp\":1000100}");
	assert_int_equal(claims_check(j, 1000000, NULL, NULL, &who, &why), 0);
	assert_string_equal(who.org, "acme");
	assert_int_equal(who.scopes, SCOPE_EVENTS_READ | SCOPE_ADMIN);
	json_decref(j);

	/* exp is required; 60 s of leeway, not more. */
	check_claims("{\"org\":\"a\",\"sub\":\"u\",\"scope\":\"\"}", 0, NULL,
	    NULL);
	check_claims("{\"org\":\"a\",\"sub\":\"u\",\"scope\":\"\",\"exp\":"
	    "999950}", 1, NULL, NULL);
	check_claims("{\"org\":\"a\",\"sub\":\"u\",\"scope\":\"\",\"exp\":"
	    "999900}", 0, NULL, NULL);
	check_claims("{\"org\":\"a\",\"sub\":\"u\",\"scope\":\"\",\"exp\":"
	    "\"2000000\"}", 0, NULL, NULL);
	check_claims("{\"org\":\"a\",\"sub\":\"u\",\"scope\":\"\",\"exp\":"
	    "2000000,\"nbf\":1000100}", 0, NULL, NULL);
	check_claims("{\"org\":\"a\",\"sub\":\"u\",\"scope\":\"\",\"exp\":"
	    "2000000,\"iat\":1000100}", 0, NULL, NULL);
	check_claims("{\"org\":\"a b\",\"sub\":\"u\",\"scope\":\"\",\"exp\":"
	    "2000000}", 0, NULL, NULL);
	check_claims("{\"org\":5,\"sub\":\"u\",\"scope\":\"\",\"exp\":"
	    "2000000}", 0, NULL, NULL);
	check_claims("{\"org\":\"a\",\"sub\":\"u\",\"scope\":\"\",\"exp\":"
	    "2000000,\"iss\":\"x\"}", 0, "y", NULL);
	check_claims("{\"org\":\"a\",\"sub\":\"u\",\"scope\":\"\",\"exp\":"
	    "2000000,\"iss\":\"y\",\"aud\":[\"p\",\"q\"]}", 1, "y", "q");
	check_claims("{\"org\":\"a\",\"sub\":\"u\",\"scope\":\"\",\"exp\":"
	    "2000000,\"aud\":\"p\"}", 0, NULL, "q");

	assert_true(scopes_allow(SCOPE_ADMIN, SCOPE_EVENTS_WRITE));
	assert_false(scopes_allow(SCOPE_EVENTS_READ, SCOPE_EVENTS_WRITE));
	assert_true(scopes_allow(SCOPE_INDICATORS_READ,
	    SCOPE_EVENTS_READ | SCOPE_INDICATORS_READ));
	assert_int_equal(scopes_parse("events:readx admin:"), 0);
}

static void
test_query_parse(void **state)
{
	struct problems	 p;
	json_t		*q;

	(void)state;
	problems_init(&p);
	q = query_parse("member=a%2Fb&channel=x+y&limit=5&flag", &p);
	assert_non_null(q);
	assert_string_equal(json_string_value(json_object_get(q, "member")),
	    "a/b");
	assert_string_equal(json_string_value(json_object_get(q, "channel")),
	    "x y");
	assert_string_equal(json_string_value(json_object_get(q, "flag")), "");
	json_decref(q);
	assert_null(query_parse("a=1&a=2", &p));
	assert_null(query_parse("a=%zz", &p));
	assert_null(query_parse("a=%0a", &p));
	assert_null(query_parse("a=%", &p));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_event_minimal_is_valid),
		cmocka_unit_test(test_event_field_rules),
		cmocka_unit_test(test_event_time_rules),
		cmocka_unit_test(test_duplicate_ids_in_batch),
		cmocka_unit_test(test_pointer_escaping),
		cmocka_unit_test(test_problem_cap),
		cmocka_unit_test(test_campaign_and_kpi_rules),
		cmocka_unit_test(test_time_parse),
		cmocka_unit_test(test_claims),
		cmocka_unit_test(test_query_parse),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
