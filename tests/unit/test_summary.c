/*
 * Unit tests for src/core/summary.c: the summary document and its
 * anonymity rules (small groups, small complements against every coarser
 * query).
 */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "unit.h"

#include "core/summary.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define CH		SUMMARY_IN_CHANNEL
#define CA		SUMMARY_IN_CAMPAIGN
#define BOTH		(CH | CA)

#define assert_near(a, b, eps)	near((a), (b), (eps), __FILE__, __LINE__)


/* One subscale of three items: the checked 5 x 3 alpha vector. */
static const char	three_items[] = "[{\"id\":\"a\",\"subscale\":\"s\"},"
    "{\"id\":\"b\",\"subscale\":\"s\"},{\"id\":\"c\",\"subscale\":\"s\"}]";
static const double	alpha_m[5][3] = {
	{ 1, 2, 2 }, { 2, 2, 3 }, { 3, 4, 3 }, { 4, 4, 5 }, { 5, 5, 4 }
};

/* Two subscales: A with two items (the second reversed), B with one. */
static const char	two_subs[] = "[{\"id\":\"a1\",\"subscale\":\"A\"},"
    "{\"id\":\"a2\",\"subscale\":\"A\",\"reverse\":true},"
    "{\"id\":\"b1\",\"subscale\":\"B\"}]";

/* The four reasons of the RAI, one item each. */
static const char	rai_items[] = "[{\"id\":\"i\",\"subscale\":\"intrinsic\"},"
    "{\"id\":\"d\",\"subscale\":\"identified\"},"
    "{\"id\":\"j\",\"subscale\":\"introjected\"},"
    "{\"id\":\"e\",\"subscale\":\"external\"}]";
static const char	rai_weights[] = "{\"intrinsic\":2,\"identified\":1,"
    "\"introjected\":-1,\"external\":-2}";

/* The SQL function's data, without respondents yet. */
static json_t *
data_new(const char *items, const char *index, int k, int members,
    const char *channel, const char *campaign)
{
	json_t	*d, *ins;

	ins = json_pack("{s:s, s:{s:i, s:i}, s:o, s:o}", "id", "test",
	    "scale", "min", 1, "max", 7,
	    "items", json_loads(items, 0, NULL),
	    "index", index != NULL ? json_loads(index, 0, NULL) : json_null());
	assert_non_null(ins);
	d = json_pack("{s:o, s:s, s:s, s:s?, s:s?, s:i, s:i, s:[]}",
	    "instrument", ins, "from", "2026-01-01T00:00:00.000000Z",
	    "to", "2026-02-01T00:00:00.000000Z", "channel", channel,
	    "campaign", campaign, "min_group", k, "members", members,
	    "respondents");
	assert_non_null(d);
	return (d);
}

/* Appends a respondent; NAN is a missing answer. */
static void
add(json_t *d, unsigned m, const double *a, size_t n)
{
	json_t	*arr;
	size_t	 i;

	arr = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(arr, isnan(a[i]) ? json_null() :
		    json_integer((json_int_t)a[i]));
	json_array_append_new(json_object_get(d, "respondents"),
	    json_pack("{s:i, s:o}", "m", (int)m, "a", arr));
}

static void
add_same(json_t *d, unsigned m, const double *a, size_t n, int times)
{
	while (times-- > 0)
		add(d, m, a, n);
}

static json_t *
render(json_t *d)
{
	json_t	*doc;
	int	 status = 0;

	doc = survey_summary(d, &status);
	json_decref(d);
	assert_non_null(doc);
	assert_int_equal(status, 200);
	return (doc);
}

static json_t *
sub(const json_t *doc, size_t i)
{
	return (json_array_get(json_object_get(doc, "subscales"), i));
}

static const char *
str(const json_t *o, const char *key)
{
	return (json_string_value(json_object_get(o, key)));
}

static double
num(const json_t *o, const char *key)
{
	return (json_number_value(json_object_get(o, key)));
}

static int
is_null(const json_t *o, const char *key)
{
	return (json_is_null(json_object_get(o, key)));
}

static void
test_disclosure_rules(void **state)
{
	unsigned	g[20];
	unsigned char	c[20];
	size_t		i, n;

	(void)state;
	memset(c, 1, sizeof(c));
	for (i = 0; i < 20; i++)
		g[i] = BOTH;

	/* No filter: only the group's own size matters. */
	assert_int_equal(summary_disclosure(g, c, 4, 0, 5, &n),
	    SUMMARY_SMALL_GROUP);
	assert_int_equal(n, 4);
	assert_int_equal(summary_disclosure(g, c, 5, 0, 5, &n), SUMMARY_SHOWN);

	/* Channel: 5 of 7 leaves 2 out; 5 of 10 leaves 5; 5 of 5 none. */
	for (i = 5; i < 10; i++)
		g[i] = CA;
	assert_int_equal(summary_disclosure(g, c, 7, CH, 5, &n),
	    SUMMARY_SMALL_COMPLEMENT);
	assert_int_equal(n, 5);
	assert_int_equal(summary_disclosure(g, c, 10, CH, 5, &n),
	    SUMMARY_SHOWN);
	assert_int_equal(summary_disclosure(g, c, 5, CH, 5, &n),
	    SUMMARY_SHOWN);

	/* Rows the statistic does not rest on are not counted. */
	c[0] = 0;
	assert_int_equal(summary_disclosure(g, c, 10, CH, 5, &n),
	    SUMMARY_SMALL_GROUP);
	assert_int_equal(n, 4);
	c[0] = 1;

	/*
	 * Both filters: 10 in both, 10 in the campaign only. Against
	 * "campaign only" the difference is 10, against "no filter" 10,
	 * and against "channel only" 0: shown. Two more in the channel
	 * only make "channel only" minus "both" = 2: hidden.
	 */
	for (i = 0; i < 10; i++)
		g[i] = BOTH;
	for (i = 10; i < 20; i++)
		g[i] = CA;
	assert_int_equal(summary_disclosure(g, c, 20, BOTH, 5, &n),
	    SUMMARY_SHOWN);
	g[10] = g[11] = CH;
	assert_int_equal(summary_disclosure(g, c, 20, BOTH, 5, &n),
	    SUMMARY_SMALL_COMPLEMENT);
	/* The campaign alone now holds 18 of 20: those two again. */
	assert_int_equal(summary_disclosure(g, c, 20, CA, 5, &n),
	    SUMMARY_SMALL_COMPLEMENT);
	assert_int_equal(n, 18);
	/* The channel alone holds 12 of 20: eight left out, shown. */
	assert_int_equal(summary_disclosure(g, c, 20, CH, 5, &n),
	    SUMMARY_SHOWN);
	assert_int_equal(n, 12);
}

static void
test_suppressed_at_4_shown_at_5(void **state)
{
	const double	a[] = { 5, 3, 6 };
	json_t		*d, *doc, *resp;

	(void)state;
	d = data_new(two_subs, NULL, 5, 40, NULL, NULL);
	add_same(d, BOTH, a, NELEM(a), 4);
	doc = render(d);
	assert_string_equal(str(doc, "suppression"), "small_group");
	resp = json_object_get(doc, "respondents");
	assert_true(is_null(resp, "count"));
	assert_int_equal(json_integer_value(json_object_get(resp,
	    "fewer_than")), 5);
	assert_true(is_null(json_object_get(doc, "participation"), "value"));
	assert_true(is_null(json_object_get(doc, "participation"), "members"));
	assert_true(is_null(sub(doc, 0), "mean"));
	assert_true(is_null(sub(doc, 0), "n"));
	assert_string_equal(str(sub(doc, 0), "reason"), "suppressed");
	assert_string_equal(str(json_object_get(sub(doc, 0), "reliability"),
	    "reason"), "suppressed");
	json_decref(doc);

	d = data_new(two_subs, NULL, 5, 40, NULL, NULL);
	add_same(d, BOTH, a, NELEM(a), 5);
	doc = render(d);
	assert_true(is_null(doc, "suppression"));
	resp = json_object_get(doc, "respondents");
	assert_int_equal(json_integer_value(json_object_get(resp, "count")), 5);
	assert_true(is_null(resp, "fewer_than"));
	assert_near(num(json_object_get(doc, "participation"), "value"),
	    5.0 / 40.0, 1e-12);
	/* A: (5 + (8 - 3)) / 2 = 5 with the second item reversed. */
	assert_string_equal(str(sub(doc, 0), "subscale"), "A");
	assert_near(num(sub(doc, 0), "mean"), 5.0, 1e-12);
	assert_near(num(sub(doc, 0), "sd"), 0.0, 1e-12);
	assert_int_equal(json_integer_value(json_object_get(sub(doc, 0), "n")),
	    5);
	assert_string_equal(str(sub(doc, 1), "subscale"), "B");
	assert_near(num(sub(doc, 1), "mean"), 6.0, 1e-12);
	assert_true(is_null(doc, "index"));
	json_decref(doc);
}

static void
test_alpha_and_scores(void **state)
{
	json_t		*d, *doc, *rel;
	double		 means[5], m = 0, ss = 0;
	size_t		 r;

	(void)state;
	d = data_new(three_items, NULL, 5, 5, NULL, NULL);
	for (r = 0; r < 5; r++) {
		add(d, BOTH, alpha_m[r], 3);
		means[r] = (alpha_m[r][0] + alpha_m[r][1] + alpha_m[r][2]) / 3;
		m += means[r] / 5;
	}
	for (r = 0; r < 5; r++)
		ss += (means[r] - m) * (means[r] - m);
	doc = render(d);
	assert_near(num(sub(doc, 0), "mean"), m, 1e-12);
	assert_near(num(sub(doc, 0), "sd"), sqrt(ss / 4), 1e-12);
	rel = json_object_get(sub(doc, 0), "reliability");
	assert_string_equal(str(rel, "method"), "cronbach_alpha");
	assert_near(num(rel, "value"), 0.928571, 1e-6);
	assert_int_equal(json_integer_value(json_object_get(rel, "n")), 5);
	assert_true(json_is_false(json_object_get(rel, "low")));
	assert_near(num(json_object_get(doc, "participation"), "value"), 1.0,
	    0.0);
	json_decref(doc);
}

static void
test_reliability_reasons(void **state)
{
	const double	flat[] = { 4, 4, 2 };
	const double	partial[] = { 4, NAN, 2 };
	json_t		*d, *doc, *rel;

	(void)state;
	/* Zero variance: alpha undefined, not 0 and not 1. */
	d = data_new(two_subs, NULL, 3, 6, NULL, NULL);
	add_same(d, BOTH, flat, 3, 3);
	add(d, BOTH, partial, 3);
	doc = render(d);
	rel = json_object_get(sub(doc, 0), "reliability");
	assert_string_equal(str(rel, "method"), "spearman_brown");
	assert_true(is_null(rel, "value"));
	assert_string_equal(str(rel, "reason"), "insufficient_data");
	/* Only the three complete answers count for reliability. */
	assert_int_equal(json_integer_value(json_object_get(rel, "n")), 3);
	/* The half rule keeps the partial respondent in the mean. */
	assert_int_equal(json_integer_value(json_object_get(sub(doc, 0), "n")),
	    4);
	/* One item: reliability does not apply. */
	rel = json_object_get(sub(doc, 1), "reliability");
	assert_true(is_null(rel, "method"));
	assert_string_equal(str(rel, "reason"), "insufficient_data");
	json_decref(doc);
}

static void
test_relative_autonomy_index(void **state)
{
	const double	high[] = { 7, 7, 1, 1 }, equal[] = { 4, 4, 4, 4 };
	json_t		*d, *doc, *idx;

	(void)state;
	d = data_new(rai_items, rai_weights, 5, 10, NULL, NULL);
	add_same(d, BOTH, high, 4, 5);
	doc = render(d);
	idx = json_object_get(doc, "index");
	assert_near(num(idx, "mean"), 18.0, 1e-12);
	assert_near(num(idx, "sd"), 0.0, 1e-12);
	assert_int_equal(json_integer_value(json_object_get(idx, "n")), 5);
	assert_near(num(json_object_get(idx, "weights"), "external"), -2.0,
	    0.0);
	json_decref(doc);

	d = data_new(rai_items, rai_weights, 5, 10, NULL, NULL);
	add_same(d, BOTH, equal, 4, 3);
	add_same(d, BOTH, high, 4, 3);
	doc = render(d);
	idx = json_object_get(doc, "index");
	assert_near(num(idx, "mean"), 9.0, 1e-12);
	/* Three 0s and three 18s: sample sd = sqrt(6 * 81 / 5). */
	assert_near(num(idx, "sd"), sqrt(6.0 * 81.0 / 5.0), 1e-12);
	json_decref(doc);
}

/*
 * The subtraction case: 5 of 7 respondents had events on the channel.
 * Shown, the channel summary and the unfiltered one would give the other
 * two's scores by difference; so the channel summary is hidden.
 */
static void
test_small_complement_hides_filtered_group(void **state)
{
	const double	in[] = { 6, 2, 6 }, out[] = { 1, 7, 1 };
	json_t		*d, *doc, *resp;

	(void)state;
	d = data_new(two_subs, NULL, 5, 9, "forum", NULL);
	add_same(d, BOTH, in, 3, 5);
	add_same(d, CA, out, 3, 2);
	doc = render(d);
	assert_string_equal(str(doc, "suppression"), "small_complement");
	resp = json_object_get(doc, "respondents");
	assert_true(is_null(resp, "count"));
	assert_true(is_null(resp, "fewer_than"));
	assert_true(is_null(sub(doc, 0), "mean"));
	assert_true(is_null(json_object_get(doc, "participation"), "value"));
	assert_string_equal(str(doc, "channel"), "forum");
	json_decref(doc);

	/* Five outside: the difference describes five people; shown. */
	d = data_new(two_subs, NULL, 5, 9, "forum", NULL);
	add_same(d, BOTH, in, 3, 5);
	add_same(d, CA, out, 3, 5);
	doc = render(d);
	assert_true(is_null(doc, "suppression"));
	assert_int_equal(json_integer_value(json_object_get(json_object_get(
	    doc, "respondents"), "count")), 5);
	assert_near(num(sub(doc, 0), "mean"), 6.0, 1e-12);
	assert_near(num(json_object_get(doc, "participation"), "value"),
	    5.0 / 9.0, 1e-12);
	json_decref(doc);
}

/* The same rule per statistic: a subscale fewer outsiders answered. */
static void
test_small_complement_per_subscale(void **state)
{
	const double	in[] = { 6, 2, 6 };
	const double	out_b[] = { 1, 7, 1 }, out_no_b[] = { 1, 7, NAN };
	json_t		*d, *doc;

	(void)state;
	d = data_new(two_subs, NULL, 5, 10, NULL, "spring");
	add_same(d, BOTH, in, 3, 5);
	add_same(d, CH, out_b, 3, 2);
	add_same(d, CH, out_no_b, 3, 3);
	doc = render(d);
	assert_true(is_null(doc, "suppression"));
	assert_near(num(sub(doc, 0), "mean"), 6.0, 1e-12);
	assert_true(is_null(sub(doc, 1), "mean"));
	assert_string_equal(str(sub(doc, 1), "reason"), "suppressed");
	json_decref(doc);
}

static void
test_malformed_input(void **state)
{
	const double	a[] = { 5, 3, 6 };
	json_t		*d;
	int		 status = 0;

	(void)state;
	/* Answers not aligned with the items. */
	d = data_new(two_subs, NULL, 5, 5, NULL, NULL);
	add(d, BOTH, a, 2);
	assert_null(survey_summary(d, &status));
	json_decref(d);

	/* An index weight for no subscale. */
	d = data_new(two_subs, "{\"Z\":1}", 5, 5, NULL, NULL);
	assert_null(survey_summary(d, &status));
	json_decref(d);

	/* No anonymity minimum. */
	d = data_new(two_subs, NULL, 5, 5, NULL, NULL);
	json_object_del(d, "min_group");
	assert_null(survey_summary(d, &status));
	json_decref(d);

	/* A fractional answer. */
	d = data_new(two_subs, NULL, 5, 5, NULL, NULL);
	json_array_append_new(json_object_get(d, "respondents"),
	    json_pack("{s:i, s:[f, i, i]}", "m", BOTH, "a", 2.5, 3, 4));
	assert_null(survey_summary(d, &status));
	json_decref(d);
	assert_int_equal(status, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_disclosure_rules),
		cmocka_unit_test(test_suppressed_at_4_shown_at_5),
		cmocka_unit_test(test_alpha_and_scores),
		cmocka_unit_test(test_reliability_reasons),
		cmocka_unit_test(test_relative_autonomy_index),
		cmocka_unit_test(test_small_complement_hides_filtered_group),
		cmocka_unit_test(test_small_complement_per_subscale),
		cmocka_unit_test(test_malformed_input),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
