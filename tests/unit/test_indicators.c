/*
 * Unit tests for src/core/indicators.c: the formulas of
 * shared/INDICATORS.md applied to the counts the database gathers.
 */

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "unit.h"

#include "core/indicators.h"

#define assert_near(a, b)	near((a), (b), 1e-12, __FILE__, __LINE__)
#define assert_null_value(doc, key, why)				\
	null_value((doc), (key), (why), __FILE__, __LINE__)

/* doc[key] is {"value": null, "reason": why, ...}. */
static void
null_value(const json_t *doc, const char *key, const char *why,
    const char *file, int line)
{
	const json_t	*ind, *reason;

	ind = json_object_get(doc, key);
	if (ind == NULL || !json_is_null(json_object_get(ind, "value"))) {
		print_error("%s is not null\n", key);
		_fail(file, line);
	}
	reason = json_object_get(ind, "reason");
	if (!json_is_string(reason) ||
	    strcmp(json_string_value(reason), why) != 0) {
		print_error("%s: reason %s, want %s\n", key,
		    json_is_string(reason) ? json_string_value(reason) : "(none)",
		    why);
		_fail(file, line);
	}
}

static double
num(const json_t *doc, const char *key)
{
	const json_t	*v;

	v = json_object_get(json_object_get(doc, key), "value");
	assert_true(json_is_number(v));
	return (json_number_value(v));
}

static json_int_t
count(const json_t *doc, const char *key, const char *field)
{
	const json_t	*v;

	v = json_object_get(json_object_get(doc, key), field);
	assert_true(json_is_integer(v));
	return (json_integer_value(v));
}

static const char *
str(const json_t *doc, const char *key)
{
	const json_t	*v = json_object_get(doc, key);

	assert_true(json_is_string(v));
	return (json_string_value(v));
}

/* The document amp.windows_data gives for one window. */
static json_t *
window_data(int days, json_int_t events, json_int_t active,
    json_int_t active_self, json_int_t active_pressure, json_int_t contrib,
    json_int_t contrib_giving, json_int_t qm, json_int_t qi, json_int_t lm,
    json_int_t lc, json_t *kpis)
{
	json_t	*w;

	w = json_pack("{s:s, s:s, s:i, s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I},"
	    " s:{s:I, s:I, s:I, s:I}, s:o}",
	    "from", "2026-01-01T00:00:00Z", "to", "2026-01-05T00:00:00Z",
	    "days", days,
	    "counts", "events", events, "active", active, "active_self",
	    active_self, "active_pressure", active_pressure, "contributions",
	    contrib, "contributions_giving", contrib_giving, "free_choice",
	    active_self,
	    "mastery", "quality_members", qm, "quality_improved", qi,
	    "ladder_members", lm, "ladder_climbed", lc,
	    "kpis", kpis != NULL ? kpis : json_array());
	assert_non_null(w);
	return (w);
}

static json_t *
kpi(const char *metric, double target, const char *period,
    const char *direction, double actual, int n)
{
	json_t	*k;

	k = json_pack("{s:s, s:s, s:f, s:s, s:s, s:f, s:i}", "metric", metric,
	    "name", metric, "target", target, "period", period, "direction",
	    direction, "actual", actual, "observations", n);
	assert_non_null(k);
	return (k);
}

static json_t *
kpi_untargeted(const char *metric, double actual, int n)
{
	json_t	*k;

	k = json_pack("{s:s, s:s, s:n, s:n, s:s, s:f, s:i}", "metric", metric,
	    "name", metric, "target", "period", "direction", "higher",
	    "actual", actual, "observations", n);
	assert_non_null(k);
	return (k);
}

static void
test_period_days(void **state)
{
	(void)state;
	assert_near(period_days("day"), 1);
	assert_near(period_days("week"), 7);
	assert_near(period_days("month"), 30.4375);
	assert_near(period_days("quarter"), 91.3125);
	assert_near(period_days("year"), 365.25);
	assert_near(period_days("decade"), 0);
	assert_near(period_days(""), 0);
	assert_near(period_days(NULL), 0);
}

static void
test_attainment(void **state)
{
	(void)state;
	/* higher: actual / expected, capped at 1.5. */
	assert_near(attainment("higher", 5, 10), 0.5);
	assert_near(attainment("higher", 10, 10), 1);
	assert_near(attainment("higher", 15, 10), 1.5);
	assert_near(attainment("higher", 16, 10), 1.5);
	assert_near(attainment("higher", 1e9, 10), 1.5);
	assert_near(attainment("higher", 0, 10), 0);
	/* No direction is higher. */
	assert_near(attainment(NULL, 3, 4), 0.75);
	/* lower: expected / actual, capped; 1.5 when actual is 0. */
	assert_near(attainment("lower", 20, 10), 0.5);
	assert_near(attainment("lower", 10, 10), 1);
	assert_near(attainment("lower", 8, 10), 1.25);
	assert_near(attainment("lower", 5, 10), 1.5);
	assert_near(attainment("lower", 0, 10), 1.5);
	assert_near(attainment("lower", -3, 10), 1.5);
}

static void
test_state_of(void **state)
{
	(void)state;
	/* AMP undefined: insufficient, whatever else. */
	assert_int_equal(state_of(0, 0, 1, 2, 1, 1), STATE_INSUFFICIENT_DATA);
	assert_int_equal(state_of(0, 0, 0, 0, 0, 0), STATE_INSUFFICIENT_DATA);
	/* R defined: the four quadrants, boundaries included. */
	assert_int_equal(state_of(1, 0.5, 1, 1, 1, 0.9), STATE_THRIVING);
	assert_int_equal(state_of(1, 0.9, 1, 1.5, 0, 0), STATE_THRIVING);
	assert_int_equal(state_of(1, 0.49, 1, 1, 1, 0), STATE_RESULTS_CHASING);
	assert_int_equal(state_of(1, 0.5, 1, 0.99, 1, 0.9), STATE_PURPOSE_LED);
	assert_int_equal(state_of(1, 0.2, 1, 0.99, 1, 0.9), STATE_DISENGAGED);
	assert_int_equal(state_of(1, 0, 1, 0, 1, 0), STATE_DISENGAGED);
	/* R undefined: X > 0.5 is results chasing, even with a high AMP. */
	assert_int_equal(state_of(1, 0.9, 0, 0, 1, 0.51), STATE_RESULTS_CHASING);
	assert_int_equal(state_of(1, 0.1, 0, 0, 1, 1), STATE_RESULTS_CHASING);
	/* ... X = 0.5 is not more than 0.5 ... */
	assert_int_equal(state_of(1, 0.9, 0, 0, 1, 0.5), STATE_PURPOSE_LED);
	assert_int_equal(state_of(1, 0.1, 0, 0, 1, 0.5), STATE_DISENGAGED);
	/* ... else AMP decides; X undefined counts as not above 0.5. */
	assert_int_equal(state_of(1, 0.5, 0, 0, 1, 0), STATE_PURPOSE_LED);
	assert_int_equal(state_of(1, 0.49, 0, 0, 1, 0), STATE_DISENGAGED);
	assert_int_equal(state_of(1, 0.7, 0, 0, 0, 0), STATE_PURPOSE_LED);
	assert_int_equal(state_of(1, 0.3, 0, 0, 0, 0), STATE_DISENGAGED);
	/* Exact ties that floating point misses by a bit still count. */
	assert_true((0.5 + 2.0 / 3 + 1.0 / 3) / 3 < 0.5);
	assert_int_equal(state_of(1, (0.5 + 2.0 / 3 + 1.0 / 3) / 3, 0, 0, 0, 0),
	    STATE_PURPOSE_LED);
	assert_int_equal(state_of(1, 0.5, 1, 1 - 1e-15, 0, 0), STATE_THRIVING);
	assert_int_equal(state_of(1, 0.2, 1, 1 - 1e-15, 0, 0),
	    STATE_RESULTS_CHASING);
	assert_int_equal(state_of(1, 0.2, 0, 0, 1, 0.5 + 1e-15),
	    STATE_DISENGAGED);
	/* Names. */
	assert_string_equal(state_name(STATE_THRIVING), "thriving");
	assert_string_equal(state_name(STATE_RESULTS_CHASING), "results_chasing");
	assert_string_equal(state_name(STATE_PURPOSE_LED), "purpose_led");
	assert_string_equal(state_name(STATE_DISENGAGED), "disengaged");
	assert_string_equal(state_name(STATE_INSUFFICIENT_DATA),
	    "insufficient_data");
}

/* No events, no KPIs: every value null with no_data, never a made-up 0. */
static void
test_window_no_data(void **state)
{
	json_t		*w, *doc;
	const json_t	*m;

	(void)state;
	w = window_data(4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, NULL);
	doc = indicators_window(w);
	assert_non_null(doc);
	assert_null_value(doc, "autonomy", "no_data");
	assert_null_value(doc, "purpose", "no_data");
	assert_null_value(doc, "extrinsic_pressure", "no_data");
	assert_null_value(doc, "mastery", "no_data");
	assert_null_value(doc, "amp", "no_data");
	assert_null_value(doc, "results", "no_data");
	m = json_object_get(doc, "mastery");
	assert_null_value(m, "quality_growth", "no_data");
	assert_null_value(m, "ladder_climb", "no_data");
	assert_int_equal(count(doc, "autonomy", "denominator"), 0);
	assert_int_equal(count(doc, "autonomy", "numerator"), 0);
	assert_int_equal(json_array_size(json_object_get(json_object_get(doc,
	    "amp"), "parts")), 0);
	assert_int_equal(json_array_size(json_object_get(json_object_get(doc,
	    "results"), "kpis")), 0);
	assert_string_equal(str(doc, "state"), "insufficient_data");
	assert_string_equal(str(json_object_get(doc, "window"), "from"),
	    "2026-01-01T00:00:00Z");
	assert_string_equal(str(json_object_get(doc, "window"), "to"),
	    "2026-01-05T00:00:00Z");
	assert_int_equal(count(doc, "window", "days"), 4);
	assert_int_equal(count(doc, "counts", "events"), 0);
	json_decref(doc);
	json_decref(w);
}

/*
 * Only consume events, of members present in one half only: events but
 * every denominator zero, so insufficient_data throughout; results
 * without a targeted KPI stay no_data.
 */
static void
test_window_insufficient(void **state)
{
	json_t		*w, *doc, *kpis;
	const json_t	*m;

	(void)state;
	kpis = json_pack("[o]", kpi_untargeted("visits", 12, 3));
	w = window_data(4, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, kpis);
	doc = indicators_window(w);
	assert_non_null(doc);
	assert_null_value(doc, "autonomy", "insufficient_data");
	assert_null_value(doc, "purpose", "insufficient_data");
	assert_null_value(doc, "extrinsic_pressure", "insufficient_data");
	assert_null_value(doc, "mastery", "insufficient_data");
	assert_null_value(doc, "amp", "insufficient_data");
	assert_null_value(doc, "results", "no_data");
	m = json_object_get(doc, "mastery");
	assert_null_value(m, "quality_growth", "insufficient_data");
	assert_null_value(m, "ladder_climb", "insufficient_data");
	/* The untargeted KPI is listed, without expected or attainment. */
	m = json_array_get(json_object_get(json_object_get(doc, "results"),
	    "kpis"), 0);
	assert_string_equal(str(m, "metric"), "visits");
	assert_near(json_number_value(json_object_get(m, "actual")), 12);
	assert_int_equal(json_integer_value(json_object_get(m,
	    "observations")), 3);
	assert_true(json_is_null(json_object_get(m, "target")));
	assert_true(json_is_null(json_object_get(m, "period")));
	assert_true(json_is_null(json_object_get(m, "expected")));
	assert_true(json_is_null(json_object_get(m, "attainment")));
	assert_string_equal(str(doc, "state"), "insufficient_data");
	assert_int_equal(count(doc, "counts", "events"), 5);
	json_decref(doc);
	json_decref(w);

	/* Active events but no contribution: only purpose is undefined. */
	w = window_data(4, 4, 4, 1, 3, 0, 0, 0, 0, 2, 1, NULL);
	doc = indicators_window(w);
	assert_near(num(doc, "autonomy"), 0.25);
	assert_null_value(doc, "purpose", "insufficient_data");
	assert_near(num(doc, "extrinsic_pressure"), 0.75);
	/* Mastery is L alone; Q has no qualifying member. */
	m = json_object_get(doc, "mastery");
	assert_null_value(m, "quality_growth", "insufficient_data");
	assert_near(num(m, "ladder_climb"), 0.5);
	assert_near(num(doc, "mastery"), 0.5);
	/* AMP = (0.25 + 0.5) / 2 over the two defined parts. */
	assert_near(num(doc, "amp"), 0.375);
	assert_int_equal(json_array_size(json_object_get(json_object_get(doc,
	    "amp"), "parts")), 2);
	assert_string_equal(json_string_value(json_array_get(json_object_get(
	    json_object_get(doc, "amp"), "parts"), 1)), "mastery");
	/* R undefined and X = 0.75 > 0.5: results chasing. */
	assert_string_equal(str(doc, "state"), "results_chasing");
	json_decref(doc);
	json_decref(w);
}

static void
test_window_values(void **state)
{
	json_t		*w, *doc, *kpis, *parts;
	const json_t	*m, *k;

	(void)state;
	/*
	 * 10 active (6 self, 2 pressured), 4 contributions (3 giving);
	 * Q 1 of 2, L 3 of 4. 14 days; KPIs: 20/week higher, actual 30
	 * (expected 40, 0.75); 2/day lower, actual 14 (expected 28, capped
	 * 1.5); one without target.
	 */
	kpis = json_pack("[o, o, o]",
	    kpi("a.signups", 20, "week", "higher", 30, 3),
	    kpi("b.tickets", 2, "day", "lower", 14, 14),
	    kpi_untargeted("c.visits", 1, 1));
	w = window_data(14, 12, 10, 6, 2, 4, 3, 2, 1, 4, 3, kpis);
	doc = indicators_window(w);
	assert_non_null(doc);
	assert_near(num(doc, "autonomy"), 0.6);
	assert_int_equal(count(doc, "autonomy", "numerator"), 6);
	assert_int_equal(count(doc, "autonomy", "denominator"), 10);
	assert_null(json_object_get(json_object_get(doc, "autonomy"),
	    "reason"));
	assert_near(num(doc, "purpose"), 0.75);
	assert_int_equal(count(doc, "purpose", "numerator"), 3);
	assert_int_equal(count(doc, "purpose", "denominator"), 4);
	assert_near(num(doc, "extrinsic_pressure"), 0.2);
	m = json_object_get(doc, "mastery");
	assert_near(num(m, "quality_growth"), 0.5);
	assert_near(num(m, "ladder_climb"), 0.75);
	assert_int_equal(count(m, "ladder_climb", "numerator"), 3);
	assert_int_equal(count(m, "ladder_climb", "denominator"), 4);
	assert_near(num(doc, "mastery"), 0.625);
	assert_null(json_object_get(m, "reason"));
	assert_near(num(doc, "amp"), (0.6 + 0.625 + 0.75) / 3);
	parts = json_object_get(json_object_get(doc, "amp"), "parts");
	assert_int_equal(json_array_size(parts), 3);
	assert_string_equal(json_string_value(json_array_get(parts, 0)),
	    "autonomy");
	assert_string_equal(json_string_value(json_array_get(parts, 1)),
	    "mastery");
	assert_string_equal(json_string_value(json_array_get(parts, 2)),
	    "purpose");

	k = json_array_get(json_object_get(json_object_get(doc, "results"),
	    "kpis"), 0);
	assert_string_equal(str(k, "metric"), "a.signups");
	assert_near(json_number_value(json_object_get(k, "expected")), 40);
	assert_near(json_number_value(json_object_get(k, "attainment")), 0.75);
	assert_string_equal(str(k, "period"), "week");
	assert_string_equal(str(k, "direction"), "higher");
	k = json_array_get(json_object_get(json_object_get(doc, "results"),
	    "kpis"), 1);
	assert_near(json_number_value(json_object_get(k, "expected")), 28);
	assert_near(json_number_value(json_object_get(k, "attainment")), 1.5);
	k = json_array_get(json_object_get(json_object_get(doc, "results"),
	    "kpis"), 2);
	assert_true(json_is_null(json_object_get(k, "attainment")));
	/* R over the two targeted KPIs only. */
	assert_near(num(doc, "results"), (0.75 + 1.5) / 2);
	assert_string_equal(str(doc, "state"), "thriving");
	assert_int_equal(count(doc, "counts", "active"), 10);
	assert_int_equal(count(doc, "counts", "contributions"), 4);
	assert_int_equal(count(doc, "counts", "free_choice"), 6);
	json_decref(doc);
	json_decref(w);
}

/* Each period scales the target: expected = target * days / days(period). */
static void
test_window_periods(void **state)
{
	static const struct {
		const char	*period;
		double		 days;
	} p[] = {
		{ "day", 1 }, { "week", 7 }, { "month", 30.4375 },
		{ "quarter", 91.3125 }, { "year", 365.25 }
	};
	json_t		*w, *doc, *kpis;
	const json_t	*k;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(p) / sizeof(p[0]); i++) {
		kpis = json_pack("[o]", kpi("m", 100, p[i].period, "higher",
		    10, 1));
		w = window_data(30, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, kpis);
		doc = indicators_window(w);
		k = json_array_get(json_object_get(json_object_get(doc,
		    "results"), "kpis"), 0);
		assert_near(json_number_value(json_object_get(k, "expected")),
		    100 * 30 / p[i].days);
		assert_near(json_number_value(json_object_get(k, "attainment")),
		    fmin(10 / (100 * 30 / p[i].days), 1.5));
		json_decref(doc);
		json_decref(w);
	}
}

/* The renderer adds the filters; the window renders as above. */
static void
test_render(void **state)
{
	json_t	*w, *doc;
	int	 status = 0;

	(void)state;
	w = window_data(1, 2, 2, 2, 0, 0, 0, 0, 0, 0, 0, NULL);
	json_object_set_new(w, "channel", json_string("forum"));
	json_object_set_new(w, "campaign", json_null());
	doc = indicators_render(w, &status);
	assert_int_equal(status, 200);
	assert_string_equal(str(doc, "channel"), "forum");
	assert_true(json_is_null(json_object_get(doc, "campaign")));
	/* A 1-day window: mastery has no halves. */
	assert_null_value(doc, "mastery", "insufficient_data");
	assert_near(num(doc, "amp"), 1);
	assert_string_equal(str(doc, "state"), "purpose_led");
	json_decref(doc);
	json_decref(w);
}

/*
 * A bucket with R from one 100/week KPI observed `actual` over `days`, and
 * AMP = autonomy alone = self / 100 (only react events, no contribution).
 */
static json_t *
bucket(int days, double actual, int self)
{
	json_t	*kpis;

	kpis = json_pack("[o]", kpi("m", 100, "week", "higher", actual, 1));
	return (window_data(days, 100, 100, self, 0, 0, 0, 0, 0, 0, 0, kpis));
}

static json_t *
series(json_t *buckets)
{
	json_t	*data, *doc;
	int	 status = 0;

	data = json_pack("{s:s, s:s, s:s, s:n, s:n, s:o}", "interval", "week",
	    "from", "2026-01-01T00:00:00Z", "to", "2026-02-01T00:00:00Z",
	    "channel", "campaign", "buckets", buckets);
	doc = series_render(data, &status);
	assert_non_null(doc);
	assert_int_equal(status, 200);
	json_decref(data);
	return (doc);
}

static int
flag(const json_t *doc, size_t i)
{
	const json_t	*b, *d;

	b = json_array_get(json_object_get(doc, "buckets"), i);
	assert_non_null(b);
	d = json_object_get(b, "divergence");
	assert_true(json_is_boolean(d));
	return (json_is_true(d));
}

static void
test_series_divergence(void **state)
{
	json_t	*doc;

	(void)state;
	/* R 0.5 -> 0.8 -> 1.0 -> 1.2; AMP 0.9 -> 0.85 -> 0.95 -> 0.91. */
	doc = series(json_pack("[o, o, o, o]", bucket(7, 50, 90),
	    bucket(7, 80, 85), bucket(7, 100, 95), bucket(7, 120, 91)));
	assert_string_equal(str(doc, "interval"), "week");
	assert_string_equal(str(json_object_get(doc, "window"), "from"),
	    "2026-01-01T00:00:00Z");
	assert_true(json_is_null(json_object_get(doc, "channel")));
	assert_int_equal(json_array_size(json_object_get(doc, "buckets")), 4);
	assert_false(flag(doc, 0));	/* no previous bucket */
	assert_true(flag(doc, 1));	/* R up, AMP down exactly 0.05 */
	assert_false(flag(doc, 2));	/* both up */
	assert_false(flag(doc, 3));	/* R up, AMP down only 0.04 */
	json_decref(doc);

	/* R down while AMP falls; R flat while AMP falls. */
	doc = series(json_pack("[o, o, o]", bucket(7, 80, 90),
	    bucket(7, 50, 50), bucket(7, 50, 10)));
	assert_false(flag(doc, 1));
	assert_false(flag(doc, 2));
	json_decref(doc);

	/*
	 * Equal attainment over buckets of different length is flat, though
	 * 8 / (100 / 7) and 56 / 100 differ in the last bit.
	 */
	assert_true(56.0 / (100.0 * 7 / 7) > 8.0 / (100.0 * 1 / 7));
	doc = series(json_pack("[o, o]", bucket(1, 8, 90), bucket(7, 56, 10)));
	assert_false(flag(doc, 1));
	json_decref(doc);

	/* A null AMP (no events) or null R (no targeted KPI) never flags. */
	doc = series(json_pack("[o, o, o, o]", bucket(7, 50, 90),
	    window_data(7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, json_pack("[o]",
	    kpi("m", 100, "week", "higher", 90, 1))),
	    window_data(7, 100, 100, 90, 0, 0, 0, 0, 0, 0, 0, NULL),
	    bucket(7, 90, 10)));
	assert_false(flag(doc, 1));
	assert_false(flag(doc, 2));
	assert_false(flag(doc, 3));
	json_decref(doc);

	/* No buckets at all renders an empty list. */
	doc = series(json_array());
	assert_int_equal(json_array_size(json_object_get(doc, "buckets")), 0);
	json_decref(doc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_period_days),
		cmocka_unit_test(test_attainment),
		cmocka_unit_test(test_state_of),
		cmocka_unit_test(test_window_no_data),
		cmocka_unit_test(test_window_insufficient),
		cmocka_unit_test(test_window_values),
		cmocka_unit_test(test_window_periods),
		cmocka_unit_test(test_render),
		cmocka_unit_test(test_series_divergence),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
