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
	/* PostgreSQL refuses offsets past 15:59, which RFC 3339 allows. */
	check_events("{\"events\":[{\"id\":\"a\",\"member\":\"m\",\"channel\":"
	    "\"f\",\"action\":\"p\",\"kind\":\"react\",\"occurred_at\":"
	    "\"2000-01-01T00:00:00+16:00\"}]}", 0, "/events/0/occurred_at");
	check_events("{\"events\":[{\"id\":\"a\",\"member\":\"m\",\"channel\":"
	    "\"f\",\"action\":\"p\",\"kind\":\"react\",\"occurred_at\":"
	    "\"2000-01-01T00:00:00-15:59\"}]}", 1, NULL);
}

/* A campaign may end in the year 9999, but not in 10000 in UTC. */
static void
test_campaign_time_range(void **state)
{
	struct problems	 p;
	json_t		*j;

	(void)state;
	j = parse("{\"name\":\"x\",\"incentive\":\"none\",\"starts_at\":"
	    "\"2026-01-01T00:00:00Z\",\"ends_at\":\"9999-12-31T23:00:00-05:00\"}");
	problems_init(&p);
	assert_int_equal(campaign_check(j, NOW, &p), -1);
	assert_true(has_problem(&p, "/ends_at"));
	json_decref(j);
	j = parse("{\"name\":\"x\",\"incentive\":\"none\",\"starts_at\":"
	    "\"2026-01-01T00:00:00Z\",\"ends_at\":\"9999-12-31T23:00:00Z\"}");
	problems_init(&p);
	assert_int_equal(campaign_check(j, NOW, &p), 0);
	json_decref(j);
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

/* Only what PostgreSQL stores and the renderers print as RFC 3339 passes. */
static void
test_time_range(void **state)
{
	amp_usec	t;
	char		buf[TIME_TEXT_LEN];

	(void)state;
	assert_int_equal(time_parse_rfc3339("2000-01-01T00:00:00+15:59", &t),
	    0);
	assert_int_equal(time_parse_rfc3339("2000-01-01T00:00:00-15:59", &t),
	    0);
	assert_int_equal(time_parse_rfc3339("2000-01-01T00:00:00+16:00", &t),
	    TIME_BAD_OFFSET);
	assert_int_equal(time_parse_rfc3339("2000-01-01T00:00:00-23:59", &t),
	    TIME_BAD_OFFSET);
	assert_int_equal(time_parse_rfc3339("2000-01-01T00:00:00+15:60", &t),
	    -1);

	assert_int_equal(time_parse_rfc3339("0001-01-01T00:00:00Z", &t), 0);
	assert_true(t == TIME_MIN);
	time_format(t, buf, sizeof(buf));
	assert_string_equal(buf, "0001-01-01T00:00:00.000000Z");
	assert_int_equal(time_parse_rfc3339("0001-01-01T00:00:00+00:01", &t),
	    TIME_OUT_OF_RANGE);
	assert_int_equal(time_parse_rfc3339("9999-12-31T23:59:59.999999Z",
	    &t), 0);
	assert_true(t == TIME_END - 1);
	time_format(t, buf, sizeof(buf));
	assert_string_equal(buf, "9999-12-31T23:59:59.999999Z");
	assert_int_equal(time_parse_rfc3339("9999-12-31T23:00:00-05:00", &t),
	    TIME_OUT_OF_RANGE);

	assert_int_equal(time_parse_bound("9999-12-31", 0, &t), 0);
	assert_int_equal(time_parse_bound("9999-12-31", 1, &t),
	    TIME_OUT_OF_RANGE);
	assert_int_equal(time_parse_bound("0001-01-01", 0, &t), 0);
	assert_true(t == TIME_MIN);
	assert_int_equal(time_parse_bound("0000-12-31", 0, &t), -1);
}

static void
check_window(const char *qs, int max_days, int ok, const char *param)
{
	struct problems	 p;
	json_t		*q;
	amp_usec	 from, to;

	problems_init(&p);
	q = query_parse(qs, &p);
	assert_non_null(q);
	assert_int_equal(query_window(q, NOW, 30, max_days, &from, &to, &p),
	    ok ? 0 : -1);
	if (ok)
		assert_true(from >= TIME_MIN && from < to &&
		    to <= TIME_END - TIME_USEC_PER_DAY);
	else
		assert_true(has_problem(&p, param));
	json_decref(q);
}

static void
test_query_window(void **state)
{
	struct problems	 p;
	json_t		*q;
	amp_usec	 from, to;

	(void)state;
	problems_init(&p);
	q = query_parse("", &p);
	assert_int_equal(query_window(q, NOW, 30, 0, &from, &to, &p), 0);
	assert_true(to == NOW && from == NOW - 30 * TIME_USEC_PER_DAY);
	json_decref(q);

	check_window("from=2026-01-01&to=2026-01-31", 366, 1, NULL);
	check_window("from=2026-01-31&to=2026-01-01", 366, 0, "from");
	check_window("from=2020-01-01&to=2026-01-01", 366, 0, "to");
	check_window("to=9999-12-30", 0, 1, NULL);
	check_window("to=9999-12-31", 0, 0, "to");
	check_window("from=9999-12-30&to=9999-12-31T00:00:00Z", 0, 1, NULL);
	check_window("from=9999-12-30&to=9999-12-31T00:00:00.000001Z", 0, 0,
	    "to");
	check_window("from=9999-12-31&to=9999-12-31T23:59:59Z", 0, 0, "to");
	check_window("to=9999-12-31T23:00:00-05:00", 0, 0, "to");
	check_window("from=0001-01-01&to=0001-01-05", 0, 1, NULL);
	check_window("to=0001-01-05", 0, 0, "from");
	check_window("from=0000-12-31&to=0001-01-05", 0, 0, "from");
	check_window("from=2026-01-01T00:00:00%2B16:00", 0, 0, "from");
	check_window("to=tomorrow", 0, 0, "to");
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

/*
 * NumericDates past the year 9999, negative or non-finite make the token
 * invalid: a cast of 2^63 or more to int64_t used to let any nbf or iat
 * through.
 */
static void
test_claims_time_range(void **state)
{
	(void)state;
	check_claims("{\"org\":\"a\",\"sub\":\"u\",\"scope\":\"\",\"exp\":"
	    "2000000,\"nbf\":9.3e18}", 0, NULL, NULL);
	check_claims("{\"org\":\"a\",\"sub\":\"u\",\"scope\":\"\",\"exp\":"
	    "2000000,\"iat\":1e19}", 0, NULL, NULL);
	check_claims("{\"org\":\"a\",\"sub\":\"u\",\"scope\":\"\",\"exp\":"
	    "2000000,\"nbf\":1e300}", 0, NULL, NULL);
	check_claims("{\"org\":\"a\",\"sub\":\"u\",\"scope\":\"\",\"exp\":"
	    "2000000,\"nbf\":-1}", 0, NULL, NULL);
	check_claims("{\"org\":\"a\",\"sub\":\"u\",\"scope\":\"\",\"exp\":"
	    "1e19}", 0, NULL, NULL);
	check_claims("{\"org\":\"a\",\"sub\":\"u\",\"scope\":\"\",\"exp\":"
	    "253402300800}", 0, NULL, NULL);
	check_claims("{\"org\":\"a\",\"sub\":\"u\",\"scope\":\"\",\"exp\":"
	    "253402300799,\"nbf\":999999.5,\"iat\":0}", 1, NULL, NULL);
}

static void
test_header_check(void **state)
{
	const char	*why;
	json_t		*j;

	(void)state;
	j = parse("{\"alg\":\"HS256\",\"typ\":\"JWT\"}");
	assert_int_equal(header_check(j, &why), 0);
	json_decref(j);
	j = parse("{\"alg\":\"HS256\",\"crit\":[\"exp\"],\"exp\":1}");
	assert_int_equal(header_check(j, &why), -1);
	json_decref(j);
	j = parse("{\"alg\":\"HS256\",\"crit\":[]}");
	assert_int_equal(header_check(j, &why), -1);
	json_decref(j);
	j = parse("{\"alg\":\"HS256\",\"crit\":null}");
	assert_int_equal(header_check(j, &why), -1);
	json_decref(j);
	assert_int_equal(header_check(NULL, &why), -1);
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

	/* A query is form-encoded: a literal plus is %2B there. */
	problems_init(&p);
	q = query_parse("member=a%2Bb", &p);
	assert_non_null(q);
	assert_string_equal(json_string_value(json_object_get(q, "member")),
	    "a+b");
	json_decref(q);
	assert_null(query_parse("member=%FF", &p));
}

/* In a path '+' is a plus (RFC 3986); only %20 is a space. */
static void
test_path_decode(void **state)
{
	char	buf[16];

	(void)state;
	assert_int_equal(path_decode("a+b", 3, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "a+b");
	assert_int_equal(path_decode("a%20b", 5, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "a b");
	assert_int_equal(path_decode("a%2Bb", 5, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "a+b");
	assert_int_equal(path_decode("a%2b/x", 4, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "a+");
	assert_int_equal(path_decode("%e2%82%ac", 9, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "\xe2\x82\xac");
	assert_int_equal(path_decode("a%2", 3, buf, sizeof(buf)), -1);
	assert_int_equal(path_decode("a%zz", 4, buf, sizeof(buf)), -1);
	assert_int_equal(path_decode("a%0A", 4, buf, sizeof(buf)), -1);
	assert_int_equal(path_decode("a%00b", 5, buf, sizeof(buf)), -1);
	assert_int_equal(path_decode("0123456789abcdef", 16, buf,
	    sizeof(buf)), -1);
	assert_int_equal(path_decode("0123456789abcde", 15, buf,
	    sizeof(buf)), 0);
	assert_int_equal(path_decode("", 0, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
}

/* Member ids from a path must be valid UTF-8, as PostgreSQL requires. */
static void
test_member_check(void **state)
{
	(void)state;
	assert_int_equal(member_check("a b"), 0);
	assert_int_equal(member_check("a+b"), 0);
	assert_int_equal(member_check("\xe2\x82\xac"), 0);
	assert_int_equal(member_check("\xf0\x9f\x98\x80"), 0);
	assert_int_equal(member_check(""), -1);
	assert_int_equal(member_check("\xff"), -1);
	assert_int_equal(member_check("a\xe2\x82"), -1);
	assert_int_equal(member_check("\xc0\xaf"), -1);	/* overlong */
	assert_int_equal(member_check("\xed\xa0\x80"), -1);	/* surrogate */
	assert_int_equal(member_check("\xf4\x90\x80\x80"), -1);	/* > U+10FFFF */
	assert_int_equal(member_check("\x80"), -1);
	assert_int_equal(member_check("a\tb"), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_event_minimal_is_valid),
		cmocka_unit_test(test_event_field_rules),
		cmocka_unit_test(test_event_time_rules),
		cmocka_unit_test(test_campaign_time_range),
		cmocka_unit_test(test_duplicate_ids_in_batch),
		cmocka_unit_test(test_pointer_escaping),
		cmocka_unit_test(test_problem_cap),
		cmocka_unit_test(test_campaign_and_kpi_rules),
		cmocka_unit_test(test_time_parse),
		cmocka_unit_test(test_time_range),
		cmocka_unit_test(test_query_window),
		cmocka_unit_test(test_claims),
		cmocka_unit_test(test_claims_time_range),
		cmocka_unit_test(test_header_check),
		cmocka_unit_test(test_query_parse),
		cmocka_unit_test(test_path_decode),
		cmocka_unit_test(test_member_check),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
