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

	k = json_pack("{s:s, s:s, s:s, s:f, s:s, s:s, s:f, s:i}", "metric",
	    metric, "name", metric, "unit", "accounts", "target", target,
	    "period", period, "direction", direction, "actual", actual,
	    "observations", n);
	assert_non_null(k);
	return (k);
}

static json_t *
kpi_untargeted(const char *metric, double actual, int n)
{
	json_t	*k;

	k = json_pack("{s:s, s:s, s:n, s:n, s:n, s:s, s:f, s:i}", "metric",
	    metric, "name", metric, "unit", "target", "period", "direction",
	    "higher", "actual", actual, "observations", n);
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

	/* Uncapped: the ratio itself; no finite one for lower at 0. */
	assert_near(attainment_uncapped("higher", 16, 10), 1.6);
	assert_near(attainment_uncapped("higher", 1e9, 10), 1e8);
	assert_near(attainment_uncapped(NULL, 3, 4), 0.75);
	assert_near(attainment_uncapped("lower", 5, 10), 2);
	assert_near(attainment_uncapped("lower", 20, 10), 0.5);
	assert_true(isinf(attainment_uncapped("lower", 0, 10)));
	assert_true(isinf(attainment_uncapped("lower", -3, 10)));
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
	assert_string_equal(str(k, "name"), "a.signups");
	assert_string_equal(str(k, "unit"), "accounts");
	assert_near(json_number_value(json_object_get(k, "expected")), 40);
	assert_near(json_number_value(json_object_get(k, "attainment")), 0.75);
	assert_near(json_number_value(json_object_get(k,
	    "attainment_uncapped")), 0.75);
	assert_string_equal(str(k, "period"), "week");
	assert_string_equal(str(k, "direction"), "higher");
	k = json_array_get(json_object_get(json_object_get(doc, "results"),
	    "kpis"), 1);
	assert_near(json_number_value(json_object_get(k, "expected")), 28);
	assert_near(json_number_value(json_object_get(k, "attainment")), 1.5);
	assert_near(json_number_value(json_object_get(k,
	    "attainment_uncapped")), 2);
	k = json_array_get(json_object_get(json_object_get(doc, "results"),
	    "kpis"), 2);
	assert_true(json_is_null(json_object_get(k, "attainment")));
	assert_true(json_is_null(json_object_get(k, "attainment_uncapped")));
	assert_true(json_is_null(json_object_get(k, "unit")));
	/* R over the two targeted KPIs only, capped and not. */
	assert_near(num(doc, "results"), (0.75 + 1.5) / 2);
	assert_near(json_number_value(json_object_get(json_object_get(doc,
	    "results"), "value_uncapped")), (0.75 + 2) / 2);
	assert_string_equal(str(doc, "state"), "thriving");
	/* R 1.125 from a capped KPI: "at least" is implied by the cap note. */
	assert_string_equal(str(doc, "state_explanation"), "Thriving: "
	    "autonomy, mastery and purpose are strong (AMP 0.65, at least "
	    "0.5) and KPIs reach 112% of target (each counted up to 150%), so "
	    "results are not bought at purpose's expense.");
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

static const char *
bucket_str(const json_t *doc, size_t i, const char *key)
{
	return (str(json_array_get(json_object_get(doc, "buckets"), i), key));
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
	assert_string_equal(bucket_str(doc, 0, "divergence_explanation"),
	    "No divergence: this is the first bucket, with none before it to "
	    "compare with.");
	assert_string_equal(bucket_str(doc, 1, "divergence_explanation"),
	    "Divergence: AMP fell from 0.900 to 0.850 while results did not "
	    "fall (from 50% to 80% of target, before the 150% cap), a sign "
	    "that results may be bought at purpose's expense.");
	assert_string_equal(bucket_str(doc, 2, "divergence_explanation"),
	    "No divergence: AMP held or rose (from 0.850 to 0.950).");
	assert_string_equal(bucket_str(doc, 3, "divergence_explanation"),
	    "No divergence: AMP fell by less than 0.05 (from 0.950 to "
	    "0.910).");
	json_decref(doc);

	/* R down while AMP falls: no; R flat while AMP falls: yes. */
	doc = series(json_pack("[o, o, o]", bucket(7, 80, 90),
	    bucket(7, 50, 50), bucket(7, 50, 10)));
	assert_false(flag(doc, 1));
	assert_true(flag(doc, 2));
	assert_string_equal(bucket_str(doc, 1, "divergence_explanation"),
	    "No divergence: AMP fell (from 0.900 to 0.500) but results fell "
	    "too (from 80% to 50% of target, before the 150% cap).");
	json_decref(doc);

	/*
	 * Results far above target and still rising, AMP falling: R sits at
	 * its 1.5 cap throughout (0.687 -> 0.523 -> 0.270 weekly), and the
	 * uncapped attainment (2.0 -> 3.0 -> 4.0) did not fall.
	 */
	doc = series(json_pack("[o, o, o]", bucket(7, 200, 69),
	    bucket(7, 300, 52), bucket(7, 400, 27)));
	assert_true(flag(doc, 1));
	assert_true(flag(doc, 2));
	assert_near(num(json_array_get(json_object_get(doc, "buckets"), 2),
	    "results"), 1.5);
	assert_near(json_number_value(json_object_get(json_object_get(
	    json_array_get(json_object_get(doc, "buckets"), 2), "results"),
	    "value_uncapped")), 4);
	json_decref(doc);

	/* Above the cap and falling (4.0 -> 2.0): R stays 1.5, no flag. */
	doc = series(json_pack("[o, o]", bucket(7, 400, 90),
	    bucket(7, 200, 10)));
	assert_false(flag(doc, 1));
	json_decref(doc);

	/*
	 * Equal attainment over buckets of different length did not fall,
	 * though 56 / 100 and 8 / (100 / 7) differ in the last bit.
	 */
	assert_true(8.0 / (100.0 * 1 / 7) < 56.0 / (100.0 * 7 / 7));
	doc = series(json_pack("[o, o]", bucket(7, 56, 90), bucket(1, 8, 10)));
	assert_true(flag(doc, 1));
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
	assert_non_null(strstr(bucket_str(doc, 1, "divergence_explanation"),
	    "this bucket has no active engagement"));
	assert_non_null(strstr(bucket_str(doc, 2, "divergence_explanation"),
	    "the previous bucket has no active engagement"));
	assert_non_null(strstr(bucket_str(doc, 3, "divergence_explanation"),
	    "no KPI has a target"));
	json_decref(doc);

	/* No buckets at all renders an empty list. */
	doc = series(json_array());
	assert_int_equal(json_array_size(json_object_get(doc, "buckets")), 0);
	json_decref(doc);
}

/* Figures of a window; NAN for an undefined AMP, R or X. */
static struct amp_figures
figures(json_int_t events, double amp, double r, double r_uncapped,
    double x)
{
	struct amp_figures	f = { .events = events, .has_amp = !isnan(amp),
				    .amp = amp, .has_r = !isnan(r), .r = r,
				    .r_uncapped = r_uncapped,
				    .has_x = !isnan(x), .x = x };

	return (f);
}

/*
 * A lower-is-better KPI at 0 has no finite uncapped attainment: it is the
 * best possible, so reaching it is not a fall and leaving it is.
 */
static void
test_divergence_unbounded(void **state)
{
	struct amp_figures	 a, b;
	json_t			*w, *doc;
	const json_t		*r;
	char			 buf[400];

	(void)state;
	a = figures(10, 0.9, 1.5, 2, 0);
	b = figures(10, 0.5, 1.5, INFINITY, 0);
	assert_int_equal(divergence_of(&a, &b), DIVERGENCE_DIVERGED);
	assert_null(strstr(divergence_sentence(DIVERGENCE_DIVERGED, &a, &b,
	    buf, sizeof(buf)), "inf"));
	assert_string_equal(buf, "Divergence: AMP fell from 0.900 to 0.500 "
	    "while results did not fall, a sign that results may be bought at "
	    "purpose's expense.");
	a.r_uncapped = INFINITY;
	assert_int_equal(divergence_of(&a, &b), DIVERGENCE_DIVERGED);
	b.r_uncapped = 1e6;
	assert_int_equal(divergence_of(&a, &b), DIVERGENCE_RESULTS_FELL);
	/* The document says null where the figure is infinite. */
	w = window_data(7, 10, 10, 9, 0, 0, 0, 0, 0, 0, 0, json_pack("[o]",
	    kpi("complaints", 5, "week", "lower", 0, 0)));
	doc = indicators_window(w);
	r = json_object_get(doc, "results");
	assert_near(num(doc, "results"), 1.5);
	assert_true(json_is_null(json_object_get(r, "value_uncapped")));
	assert_true(json_is_null(json_object_get(json_array_get(
	    json_object_get(r, "kpis"), 0), "attainment_uncapped")));
	assert_near(json_number_value(json_object_get(json_array_get(
	    json_object_get(r, "kpis"), 0), "attainment")), 1.5);
	json_decref(doc);
	json_decref(w);
}

/* Every state has its sentence, with figures on the right side. */
static void
test_state_sentences(void **state)
{
	static const struct {
		json_int_t	 events;
		double		 amp, r, r_uncapped, x;
		enum amp_state	 s;
		const char	*want;
	} c[] = {
		{ 10, 0.72, 1.1, 1.1, 0.1, STATE_THRIVING,
		    "Thriving: autonomy, mastery and purpose are strong "
		    "(AMP 0.72, at least 0.5) and KPIs reach 110% of target, "
		    "so results are not bought at purpose's expense." },
		{ 10, 0.499, 1.5, 3, 0.1, STATE_RESULTS_CHASING,
		    "Results chasing: KPIs reach 150% of target (each counted "
		    "up to 150%) but autonomy, mastery and purpose are weak "
		    "(AMP 0.49, below 0.5), so results may be bought at "
		    "purpose's expense." },
		{ 10, 0.9, NAN, NAN, 0.501, STATE_RESULTS_CHASING,
		    "Results chasing: no KPI has a target, and 51% of active "
		    "engagement is incentivized or rewarded, so engagement is "
		    "pushed rather than chosen." },
		{ 10, 0.5 - 1e-12, 0.999, 0.999, 0, STATE_PURPOSE_LED,
		    "Purpose led: autonomy, mastery and purpose are strong "
		    "(AMP 0.50, at least 0.5) while KPIs reach 99% of target, "
		    "below 100%." },
		{ 10, 0.8, NAN, NAN, 0.2, STATE_PURPOSE_LED,
		    "Purpose led: autonomy, mastery and purpose are strong "
		    "(AMP 0.80, at least 0.5); no KPI has a target to judge "
		    "results by." },
		{ 10, 0.3, 0.4, 0.4, 0.2, STATE_DISENGAGED,
		    "Disengaged: autonomy, mastery and purpose are weak "
		    "(AMP 0.30, below 0.5) and KPIs reach 40% of target, below "
		    "100%." },
		{ 10, 0.3, NAN, NAN, NAN, STATE_DISENGAGED,
		    "Disengaged: autonomy, mastery and purpose are weak "
		    "(AMP 0.30, below 0.5) and no KPI has a target to judge "
		    "results by." },
		{ 0, NAN, 1, 1, NAN, STATE_INSUFFICIENT_DATA,
		    "Not enough data: there are no events in this window, so "
		    "its state cannot be judged." },
		{ 3, NAN, NAN, NAN, NAN, STATE_INSUFFICIENT_DATA,
		    "Not enough data: none of this window's events is active "
		    "engagement (a reaction, creation or contribution) to "
		    "measure autonomy, mastery or purpose by, so its state "
		    "cannot be judged." },
	};
	struct amp_figures	 f;
	char			 buf[400];
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		f = figures(c[i].events, c[i].amp, c[i].r, c[i].r_uncapped,
		    c[i].x);
		assert_int_equal(state_of(f.has_amp, f.amp, f.has_r, f.r,
		    f.has_x, f.x), c[i].s);
		assert_string_equal(state_sentence(c[i].s, &f, buf,
		    sizeof(buf)), c[i].want);
	}
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
		cmocka_unit_test(test_divergence_unbounded),
		cmocka_unit_test(test_state_sentences),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
