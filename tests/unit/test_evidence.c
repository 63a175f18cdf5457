/*
 * Unit tests for src/core/evidence.c: impact_render and belief_render on
 * hand-built documents shaped like what sql/functions/70_evidence.sql gathers.
 */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "unit.h"

#include "core/evidence.h"
#include "core/stats.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

#define assert_near(a, b, eps)	near((a), (b), (eps), __FILE__, __LINE__)

static json_t	*impact_input(const char *, int);
static void	 add_exposed(json_t *, double, double, double, double,
		    double, double);
static void	 add_comparison(json_t *, double, double);
static void	 add_value(json_t *, const char *, const char *, double);
static json_t	*render_impact(const json_t *);
static double	 num(const json_t *, const char *);
static const char *str(const json_t *, const char *);
static json_t	*belief_input(const char *, const char *);
static void	 add_day(json_t *, const char *, long long, long long,
		    long long, long long);
static void	 add_rates(json_t *, const char *, const double *, size_t);
static json_t	*render_belief(const json_t *);

/* A number at a slash-separated path, e.g. "effect/interval/low". */
static double
num(const json_t *doc, const char *path)
{
	char		 buf[128], *p, *key;
	const json_t	*v = doc;

	(void)snprintf(buf, sizeof(buf), "%s", path);
	for (p = buf; (key = strsep(&p, "/")) != NULL;)
		v = json_object_get(v, key);
	if (!json_is_number(v)) {
		print_error("%s is not a number\n", path);
		fail();
	}
	return (json_number_value(v));
}

static const json_t *
at(const json_t *doc, const char *path)
{
	char		 buf[128], *p, *key;
	const json_t	*v = doc;

	(void)snprintf(buf, sizeof(buf), "%s", path);
	for (p = buf; (key = strsep(&p, "/")) != NULL;)
		v = json_object_get(v, key);
	return (v);
}

static const char *
str(const json_t *doc, const char *path)
{
	const char	*s;

	if ((s = json_string_value(at(doc, path))) == NULL) {
		print_error("%s is not a string\n", path);
		fail();
	}
	return (s);
}

#define assert_null_at(doc, path)	assert_true(json_is_null(at((doc), (path))))

/* Campaign impact ------------------------------------------------------- */

static json_t *
impact_input(const char *seed, int post_complete)
{
	return (json_pack("{s:{s:s, s:s}, s:s, s:i, s:{s:s, s:s}, "
	    "s:{s:s, s:s, s:i}, s:{s:s, s:s}, s:b, "
	    "s:{s:[], s:[], s:[], s:[], s:[], s:[]}, s:{s:[], s:[]}}",
	    "campaign", "id", "spring", "name", "Spring points",
	    "seed", seed, "window_days", 28,
	    "pre", "from", "2026-01-04T00:00:00Z", "to", "2026-02-01T00:00:00Z",
	    "during", "from", "2026-02-01T00:00:00Z", "to",
	    "2026-03-01T00:00:00Z", "days", 28,
	    "post", "from", "2026-03-01T00:00:00Z", "to", "2026-03-29T00:00:00Z",
	    "post_complete", post_complete,
	    "exposed", "free_choice_pre_per_day", "free_choice_post_per_day",
	    "active_pre_per_day", "active_during_per_day", "pressure_during",
	    "active_during",
	    "comparison", "free_choice_pre_per_day",
	    "free_choice_post_per_day"));
}

/* Appends v to the column `name` of the group `group` of d. */
static void
add_value(json_t *d, const char *group, const char *name, double v)
{
	json_array_append_new(json_object_get(json_object_get(d, group), name),
	    json_real(v));
}

/* One exposed member: U pre, U post, active per day pre and during,
 * active events under pressure during, active events during. */
static void
add_exposed(json_t *d, double pre, double post, double apre, double adur,
    double pressure, double active)
{
	add_value(d, "exposed", "free_choice_pre_per_day", pre);
	add_value(d, "exposed", "free_choice_post_per_day", post);
	add_value(d, "exposed", "active_pre_per_day", apre);
	add_value(d, "exposed", "active_during_per_day", adur);
	add_value(d, "exposed", "pressure_during", pressure);
	add_value(d, "exposed", "active_during", active);
}

static void
add_comparison(json_t *d, double pre, double post)
{
	add_value(d, "comparison", "free_choice_pre_per_day", pre);
	add_value(d, "comparison", "free_choice_post_per_day", post);
}

static json_t *
render_impact(const json_t *d)
{
	json_t	*doc;
	int	 status = 0;

	doc = impact_render(d, &status);
	assert_non_null(doc);
	assert_int_equal(status, 200);
	return (doc);
}

/* The parts every impact document has, whatever the verdict. */
static void
check_impact_shape(const json_t *doc)
{
	const char *const	keys[] = { "campaign", "window_days", "windows",
	    "post_complete", "groups", "effect", "lift", "incentivized_share",
	    "reference", "verdict", "explanation" };
	size_t			i;

	assert_int_equal(json_object_size(doc), NELEM(keys));
	for (i = 0; i < NELEM(keys); i++)
		assert_non_null(json_object_get(doc, keys[i]));
	assert_null(json_object_get(doc, "seed"));
	assert_string_equal(str(doc, "campaign/id"), "spring");
	assert_near(num(doc, "window_days"), 28, 0);
	assert_string_equal(str(doc, "windows/pre/from"),
	    "2026-01-04T00:00:00Z");
	assert_near(num(doc, "windows/during/days"), 28, 0);
	assert_string_equal(str(doc, "windows/post/to"),
	    "2026-03-29T00:00:00Z");
	assert_near(num(doc, "effect/interval/level"), 0.95, 0);
	assert_near(num(doc, "effect/interval/resamples"), 2000, 0);
	assert_near(num(doc, "reference/tangible_engagement_contingent"),
	    -0.40, 0);
	assert_near(num(doc, "reference/tangible_performance_contingent"),
	    -0.28, 0);
	assert_near(num(doc, "reference/verbal_praise"), 0.33, 0);
	assert_non_null(strstr(str(doc, "reference/source"),
	    "Deci, Koestner & Ryan (1999)"));
	assert_null(strstr(str(doc, "explanation"), "nan"));
	assert_null(strstr(str(doc, "explanation"), "inf"));
}

/*
 * Exposed members change their free-choice events per day by exactly
 * `shift` after the campaign, comparison members keep theirs: every
 * resample has the same raw difference, so the interval is far from 0.
 * Pre values 0.4, 0.5, ... in both groups.
 */
static void
build_shift(json_t *d, double shift, size_t n_t, size_t n_c)
{
	size_t	i;
	double	u;

	for (i = 0; i < n_t; i++) {
		u = 0.3 + 0.1 * (double)(i + 1);
		add_exposed(d, u, u + shift, 0.5, 1.0, 20, 28);
	}
	for (i = 0; i < n_c; i++) {
		u = 0.3 + 0.1 * (double)(i + 1);
		add_comparison(d, u, u);
	}
}

static void
test_impact_crowding_out(void **state)
{
	json_t	*d, *doc;
	double	 sd, x[10];
	size_t	 i;

	(void)state;
	d = impact_input("org/spring", 1);
	build_shift(d, -0.3, 10, 10);
	doc = render_impact(d);
	check_impact_shape(doc);
	for (i = 0; i < 10; i++)
		x[i] = 0.1 * (double)(i + 1);
	sd = stats_sd(x, 10);	/* both groups have these pre values */

	assert_near(num(doc, "groups/exposed/members"), 10, 0);
	assert_near(num(doc, "groups/exposed/pre/mean"), 0.85, 1e-12);
	assert_near(num(doc, "groups/exposed/post/mean"), 0.55, 1e-12);
	assert_near(num(doc, "groups/exposed/pre/sd"), sd, 1e-12);
	assert_near(num(doc, "groups/comparison/members"), 10, 0);
	assert_near(num(doc, "groups/comparison/post/mean"), 0.85, 1e-12);
	assert_near(num(doc, "groups/comparison/post/sd"), sd, 1e-12);
	assert_near(num(doc, "effect/raw"), -0.3, 1e-12);
	assert_near(num(doc, "effect/sd_pre"), sd, 1e-12);
	assert_near(num(doc, "effect/standardized"), -0.3 / sd, 1e-12);
	assert_true(json_is_true(at(doc, "effect/standardized_available")));
	assert_string_equal(str(doc, "effect/interval/scale"), "standardized");
	assert_true(num(doc, "effect/interval/low") <=
	    num(doc, "effect/standardized"));
	assert_true(num(doc, "effect/standardized") <=
	    num(doc, "effect/interval/high"));
	assert_true(num(doc, "effect/interval/high") < 0);
	assert_true(json_is_true(at(doc, "post_complete")));
	assert_string_equal(str(doc, "verdict"), "crowding_out");
	assert_non_null(strstr(str(doc, "explanation"),
	    "standard deviations less"));
	assert_non_null(strstr(str(doc, "explanation"), "crowded out"));

	/* Lift: 1.0 active per day during against 0.5 before. */
	assert_near(num(doc, "lift/value"), 1.0, 1e-12);
	assert_near(num(doc, "lift/exposed_active_per_member_day_pre"), 0.5,
	    1e-12);
	assert_near(num(doc, "lift/exposed_active_per_member_day_during"),
	    1.0, 1e-12);
	/* 200 of 280 active events under pressure. */
	assert_near(num(doc, "incentivized_share/value"), 200.0 / 280.0,
	    1e-12);
	assert_true(json_is_integer(at(doc, "incentivized_share/incentivized")));
	assert_true(json_is_integer(at(doc, "incentivized_share/active")));
	assert_near(num(doc, "incentivized_share/incentivized"), 200, 0);
	assert_near(num(doc, "incentivized_share/active"), 280, 0);
	json_decref(doc);
	json_decref(d);
}

static void
test_impact_crowding_in(void **state)
{
	json_t	*d, *doc;

	(void)state;
	d = impact_input("org/spring", 1);
	build_shift(d, 0.2, 8, 12);
	doc = render_impact(d);
	check_impact_shape(doc);
	assert_near(num(doc, "effect/raw"), 0.2, 1e-12);
	assert_true(num(doc, "effect/interval/low") > 0);
	assert_string_equal(str(doc, "verdict"), "crowding_in");
	assert_non_null(strstr(str(doc, "explanation"),
	    "standard deviations more"));
	json_decref(doc);
	json_decref(d);
}

/* Exposed members change both ways: the interval straddles 0. */
static void
test_impact_inconclusive(void **state)
{
	json_t	*d, *doc;
	size_t	 i;
	double	 u;

	(void)state;
	d = impact_input("org/spring", 1);
	for (i = 0; i < 12; i++) {
		u = 0.1 * (double)(i + 1);
		add_exposed(d, u, u + (i % 2 ? 0.3 : -0.3), 0.5, 0.5, 0, 14);
		add_comparison(d, u, u + (i % 3 ? 0.1 : -0.2));
	}
	doc = render_impact(d);
	check_impact_shape(doc);
	assert_true(num(doc, "effect/interval/low") < 0);
	assert_true(num(doc, "effect/interval/high") > 0);
	assert_string_equal(str(doc, "verdict"), "inconclusive");
	assert_non_null(strstr(str(doc, "explanation"), "No clear effect"));
	/* No change in activity: lift 0; nothing incentivized: share 0. */
	assert_near(num(doc, "lift/value"), 0, 1e-12);
	assert_near(num(doc, "incentivized_share/value"), 0, 0);
	json_decref(doc);
	json_decref(d);
}

/* Fewer than 5 members in a group: not judged, even with a clear shift. */
static void
test_impact_insufficient(void **state)
{
	json_t	*d, *doc;

	(void)state;
	d = impact_input("org/spring", 1);
	build_shift(d, -0.3, 4, 10);
	doc = render_impact(d);
	check_impact_shape(doc);
	assert_near(num(doc, "groups/exposed/members"), 4, 0);
	/* The figures are still computed and shown. */
	assert_near(num(doc, "effect/raw"), -0.3, 1e-12);
	assert_string_equal(str(doc, "verdict"), "insufficient_data");
	assert_non_null(strstr(str(doc, "explanation"), "at least 5"));
	json_decref(doc);
	json_decref(d);

	d = impact_input("org/spring", 1);
	build_shift(d, -0.3, 10, 4);
	doc = render_impact(d);
	assert_string_equal(str(doc, "verdict"), "insufficient_data");
	json_decref(doc);
	json_decref(d);
}

/* One member or none: no sd, no effect, no interval, no lift; all null. */
static void
test_impact_empty(void **state)
{
	json_t	*d, *doc;

	(void)state;
	d = impact_input("org/spring", 1);
	doc = render_impact(d);
	check_impact_shape(doc);
	assert_near(num(doc, "groups/exposed/members"), 0, 0);
	assert_null_at(doc, "groups/exposed/pre/mean");
	assert_null_at(doc, "groups/exposed/pre/sd");
	assert_null_at(doc, "groups/comparison/post/mean");
	assert_null_at(doc, "effect/standardized");
	assert_null_at(doc, "effect/raw");
	assert_null_at(doc, "effect/sd_pre");
	assert_true(json_is_false(at(doc, "effect/standardized_available")));
	assert_null_at(doc, "effect/interval/low");
	assert_null_at(doc, "effect/interval/high");
	assert_null_at(doc, "lift/value");
	assert_near(num(doc, "lift/exposed_active_per_member_day_pre"), 0, 0);
	assert_null_at(doc, "incentivized_share/value");
	assert_string_equal(str(doc, "verdict"), "insufficient_data");
	json_decref(doc);
	json_decref(d);

	d = impact_input("org/spring", 1);
	add_exposed(d, 0.5, 0.2, 0, 1, 1, 1);
	add_comparison(d, 0.5, 0.5);
	doc = render_impact(d);
	assert_near(num(doc, "groups/exposed/pre/mean"), 0.5, 0);
	assert_null_at(doc, "groups/exposed/pre/sd");
	assert_null_at(doc, "effect/raw");
	/* Nothing active before the campaign: no lift to speak of. */
	assert_null_at(doc, "lift/value");
	assert_near(num(doc, "incentivized_share/value"), 1, 0);
	json_decref(doc);
	json_decref(d);
}

/* The post window is not over: figures shown, verdict pending. */
/* Columns are read by name: one missing or of another length is an error. */
static void
test_impact_columns_by_name(void **state)
{
	json_t	*d;
	int	 status = 0;

	(void)state;
	d = impact_input("org/spring", 1);
	add_exposed(d, 0.5, 0.2, 0.1, 1, 1, 1);
	add_comparison(d, 0.5, 0.5);
	add_value(d, "exposed", "active_during", 3);
	assert_null(impact_render(d, &status));
	json_decref(d);

	d = impact_input("org/spring", 1);
	add_exposed(d, 0.5, 0.2, 0.1, 1, 1, 1);
	add_comparison(d, 0.5, 0.5);
	json_object_del(json_object_get(d, "comparison"),
	    "free_choice_post_per_day");
	assert_null(impact_render(d, &status));
	json_decref(d);
}

static void
test_impact_pending(void **state)
{
	json_t	*d, *doc;

	(void)state;
	d = impact_input("org/spring", 0);
	build_shift(d, -0.3, 10, 10);
	doc = render_impact(d);
	check_impact_shape(doc);
	assert_true(json_is_false(at(doc, "post_complete")));
	assert_near(num(doc, "effect/raw"), -0.3, 1e-12);
	assert_true(num(doc, "effect/interval/high") < 0);
	assert_string_equal(str(doc, "verdict"), "pending");
	assert_non_null(strstr(str(doc, "explanation"), "Wait"));
	json_decref(doc);
	json_decref(d);

	/* Too few members is said first: waiting will not fix it. */
	d = impact_input("org/spring", 0);
	build_shift(d, -0.3, 3, 10);
	doc = render_impact(d);
	assert_string_equal(str(doc, "verdict"), "insufficient_data");
	json_decref(doc);
	json_decref(d);
}

/*
 * Every pre value 0 (members only active when prompted before): nothing to
 * standardize by. The effect is raw, the interval is of the raw
 * difference, and the explanation speaks of events per member-day.
 */
static void
test_impact_sd_pre_zero(void **state)
{
	json_t		*d, *doc;
	const char	*e;
	size_t		 i;

	(void)state;
	d = impact_input("org/spring", 1);
	for (i = 0; i < 10; i++) {
		add_exposed(d, 0, 0, 0.1, 0.5, 5, 14);
		add_comparison(d, 0, (double)(1 + i % 3) / 28.0);
	}
	doc = render_impact(d);
	check_impact_shape(doc);
	assert_near(num(doc, "effect/sd_pre"), 0, 0);
	assert_null_at(doc, "effect/standardized");
	assert_true(json_is_false(at(doc, "effect/standardized_available")));
	assert_string_equal(str(doc, "effect/interval/scale"), "raw");
	assert_near(num(doc, "effect/raw"), -(19.0 / 10.0) / 28.0, 1e-12);
	assert_true(num(doc, "effect/interval/low") <= num(doc, "effect/raw"));
	assert_true(num(doc, "effect/interval/high") < 0);
	assert_string_equal(str(doc, "verdict"), "crowding_out");
	e = str(doc, "explanation");
	assert_non_null(strstr(e, "0.068 free-choice events per member-day "
	    "less"));
	assert_null(strstr(e, "nan"));
	assert_null(strstr(e, "standard deviations"));
	json_decref(doc);
	json_decref(d);
}

/* The same data and seed give the same document; another seed need not. */
static void
test_impact_reproducible(void **state)
{
	json_t	*d, *a, *b, *c;
	size_t	 i;
	double	 u;

	(void)state;
	d = impact_input("org/spring", 1);
	for (i = 0; i < 30; i++) {
		u = 0.05 * (double)(i % 7) + 0.01 * (double)i;
		add_exposed(d, u, u - 0.05 * (double)(i % 4), 1, 2, 3, 4);
		add_comparison(d, u + 0.02, u + 0.01 * (double)(i % 5));
	}
	a = render_impact(d);
	b = render_impact(d);
	assert_true(json_equal(a, b));
	json_object_set_new(d, "seed", json_string("org/autumn"));
	c = render_impact(d);
	assert_near(num(a, "effect/standardized"),
	    num(c, "effect/standardized"), 0);
	assert_true(num(a, "effect/interval/low") !=
	    num(c, "effect/interval/low"));
	json_decref(a);
	json_decref(b);
	json_decref(c);
	json_decref(d);
}

/* Beliefs ---------------------------------------------------------------- */

static json_t *
belief_input(const char *indicator, const char *expect)
{
	return (json_pack("{s:s, s:s, s:s, s:s, s:n, s:s, s:i, s:n, s:s, "
	    "s:s, s:[]}",
	    "id", "b-1", "statement", "Mentoring raises it", "indicator",
	    indicator, "at", "2026-03-01T09:00:00.000000Z", "campaign",
	    "expect", expect, "window_days", 28, "channel",
	    "created_at", "2026-03-02T10:00:00.000000Z",
	    "change_point", "2026-03-01T00:00:00Z", "days"));
}

/*
 * One day as amp.windows_data gives it, with only the counts that matter,
 * on the given side of the change point (2026-03-01): the last day before
 * it ends at the change point, the first after it ends a day later.
 */
static void
add_day(json_t *b, const char *side, long long events, long long active,
    long long active_self, long long free_choice)
{
	int	before = strcmp(side, "before") == 0;

	json_array_append_new(json_object_get(b, "days"), json_pack(
	    "{s:s, s:s, s:i, s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I}, "
	    "s:{s:i, s:i, s:i, s:i}, s:[]}",
	    "from", before ? "2026-02-28T00:00:00Z" : "2026-03-01T00:00:00Z",
	    "to", before ? "2026-03-01T00:00:00Z" : "2026-03-02T00:00:00Z",
	    "days", 1,
	    "counts", "events", (json_int_t)events, "active",
	    (json_int_t)active, "active_self", (json_int_t)active_self,
	    "active_pressure", (json_int_t)0, "contributions", (json_int_t)0,
	    "contributions_giving", (json_int_t)0, "free_choice",
	    (json_int_t)free_choice,
	    "mastery", "quality_members", 0, "quality_improved", 0,
	    "ladder_members", 0, "ladder_climbed", 0, "kpis"));
}

/* Days whose free-choice counts are the given values. */
static void
add_rates(json_t *b, const char *side, const double *x, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		add_day(b, side, (long long)x[i] + 1, (long long)x[i],
		    (long long)x[i], (long long)x[i]);
}

static json_t *
render_belief(const json_t *b)
{
	json_t	*doc;
	int	 status = 201;

	doc = belief_render(b, &status);
	assert_non_null(doc);
	assert_int_equal(status, 201);	/* as the database said */
	return (doc);
}

static const double	flat_before[] = { 5, 6, 4, 5, 6, 5, 4, 6, 5, 5 };
static const double	step_after[] = { 15, 14, 16, 15, 13, 17, 15, 14 };

static void
test_belief_supported_and_contradicted(void **state)
{
	json_t	*b, *doc;

	(void)state;
	b = belief_input("free_choice_rate", "increase");
	add_rates(b, "before", flat_before, NELEM(flat_before));
	add_rates(b, "after", step_after, NELEM(step_after));
	doc = render_belief(b);
	/* Stored fields pass through; the days give way to the evaluation. */
	assert_string_equal(str(doc, "id"), "b-1");
	assert_string_equal(str(doc, "statement"), "Mentoring raises it");
	assert_string_equal(str(doc, "change_point"), "2026-03-01T00:00:00Z");
	assert_null_at(doc, "campaign");
	assert_null_at(doc, "channel");
	assert_near(num(doc, "window_days"), 28, 0);
	assert_null(json_object_get(doc, "days"));
	assert_int_equal(json_object_size(doc), 11);

	assert_near(num(doc, "evaluation/before/days"), 10, 0);
	assert_near(num(doc, "evaluation/before/mean"), 5.1, 1e-12);
	assert_near(num(doc, "evaluation/before/sd"),
	    stats_sd(flat_before, NELEM(flat_before)), 1e-12);
	assert_near(num(doc, "evaluation/after/days"), 8, 0);
	assert_near(num(doc, "evaluation/after/mean"), 14.875, 1e-12);
	assert_near(num(doc, "evaluation/difference"), 14.875 - 5.1, 1e-12);
	assert_true(num(doc, "evaluation/interval/low") > 0);
	assert_true(num(doc, "evaluation/interval/high") >
	    num(doc, "evaluation/difference"));
	assert_near(num(doc, "evaluation/interval/level"), 0.95, 0);
	assert_true(num(doc, "evaluation/t") > 10);
	assert_true(num(doc, "evaluation/df") > 1);
	assert_true(num(doc, "evaluation/p") < 0.001);
	assert_true(num(doc, "evaluation/hedges_g") > 2);
	assert_string_equal(str(doc, "evaluation/verdict"), "supported");
	json_decref(doc);

	json_object_set_new(b, "expect", json_string("decrease"));
	doc = render_belief(b);
	assert_string_equal(str(doc, "evaluation/verdict"), "contradicted");
	json_decref(doc);
	json_decref(b);
}

/* The checked Welch vector of INDICATORS.md, through a belief. */
static void
test_belief_welch_vector(void **state)
{
	const double	a[] = { 1, 2, 3, 4, 5 }, bb[] = { 2, 4, 6, 8, 10 };
	json_t		*b, *doc;

	(void)state;
	b = belief_input("free_choice_rate", "increase");
	add_rates(b, "before", a, NELEM(a));
	add_rates(b, "after", bb, NELEM(bb));
	doc = render_belief(b);
	assert_near(num(doc, "evaluation/difference"), 3, 1e-12);
	assert_near(num(doc, "evaluation/t"), 1.897367, 1e-6);
	assert_near(num(doc, "evaluation/df"), 5.882353, 1e-6);
	assert_near(num(doc, "evaluation/p"), 0.1075, 1e-3);
	assert_near(num(doc, "evaluation/hedges_g"), 1.083871, 1e-6);
	assert_true(num(doc, "evaluation/interval/low") < 0);
	/* p > 0.05: the data do not decide, whichever was expected. */
	assert_string_equal(str(doc, "evaluation/verdict"), "inconclusive");
	json_decref(doc);
	json_decref(b);
}

static void
test_belief_insufficient(void **state)
{
	const double	two[] = { 3, 9 };
	json_t		*b, *doc;

	(void)state;
	/* Two days after the change point: fewer than 3. */
	b = belief_input("free_choice_rate", "increase");
	add_rates(b, "before", flat_before, NELEM(flat_before));
	add_rates(b, "after", two, NELEM(two));
	doc = render_belief(b);
	assert_near(num(doc, "evaluation/after/days"), 2, 0);
	assert_near(num(doc, "evaluation/after/mean"), 6, 0);
	assert_string_equal(str(doc, "evaluation/verdict"),
	    "insufficient_data");
	json_decref(doc);
	json_decref(b);

	/* No day after at all (change point in the future). */
	b = belief_input("free_choice_rate", "increase");
	add_rates(b, "before", flat_before, NELEM(flat_before));
	doc = render_belief(b);
	assert_near(num(doc, "evaluation/after/days"), 0, 0);
	assert_null_at(doc, "evaluation/after/mean");
	assert_null_at(doc, "evaluation/after/sd");
	assert_null_at(doc, "evaluation/difference");
	assert_null_at(doc, "evaluation/interval/low");
	assert_null_at(doc, "evaluation/interval/high");
	assert_null_at(doc, "evaluation/t");
	assert_null_at(doc, "evaluation/df");
	assert_null_at(doc, "evaluation/p");
	assert_null_at(doc, "evaluation/hedges_g");
	assert_string_equal(str(doc, "evaluation/verdict"),
	    "insufficient_data");
	json_decref(doc);
	json_decref(b);

	/* One day on a side: a mean but no sd. */
	b = belief_input("free_choice_rate", "increase");
	add_rates(b, "before", flat_before, 1);
	add_rates(b, "after", step_after, NELEM(step_after));
	doc = render_belief(b);
	assert_near(num(doc, "evaluation/before/mean"), 5, 0);
	assert_null_at(doc, "evaluation/before/sd");
	assert_string_equal(str(doc, "evaluation/verdict"),
	    "insufficient_data");
	json_decref(doc);
	json_decref(b);
}

/*
 * Days without a single event are no data, not a rate of 0: for a share
 * such as autonomy (as the indicators say) and for free_choice_rate alike.
 */
static void
test_belief_days_without_data(void **state)
{
	const char *const	indicators[] = { "free_choice_rate", "autonomy",
	    "amp", "mastery", "purpose", "extrinsic_pressure", "results" };
	json_t			*b, *doc;
	size_t			 i, k;

	(void)state;
	for (k = 0; k < NELEM(indicators); k++) {
		b = belief_input(indicators[k], "increase");
		for (i = 0; i < 14; i++)
			add_day(b, i < 7 ? "before" : "after", 0, 0, 0, 0);
		doc = render_belief(b);
		assert_near(num(doc, "evaluation/before/days"), 0, 0);
		assert_near(num(doc, "evaluation/after/days"), 0, 0);
		assert_string_equal(str(doc, "evaluation/verdict"),
		    "insufficient_data");
		json_decref(doc);
		json_decref(b);
	}

	/* A quiet day with events but no free choice is a real 0. */
	b = belief_input("free_choice_rate", "decrease");
	for (i = 0; i < 4; i++) {
		add_day(b, "before", 3, 3, 3, 3);
		add_day(b, "before", 0, 0, 0, 0);
		add_day(b, "after", 2, 2, 2, 0);
	}
	add_day(b, "after", 2, 2, 1, 1);
	doc = render_belief(b);
	assert_near(num(doc, "evaluation/before/days"), 4, 0);
	assert_near(num(doc, "evaluation/after/days"), 5, 0);
	assert_near(num(doc, "evaluation/after/mean"), 0.2, 1e-12);
	assert_near(num(doc, "evaluation/difference"), -2.8, 1e-12);
	/* Before has no variance, after some: still a test (df = 4). */
	assert_near(num(doc, "evaluation/df"), 4, 1e-12);
	assert_string_equal(str(doc, "evaluation/verdict"), "supported");
	json_decref(doc);
	json_decref(b);
}

/* Autonomy's daily value is active_self / active. */
static void
test_belief_autonomy(void **state)
{
	json_t	*b, *doc;
	size_t	 i;

	(void)state;
	b = belief_input("autonomy", "decrease");
	for (i = 0; i < 6; i++) {
		add_day(b, "before", 10, 10, 8 + (long long)(i % 2), 0);
		add_day(b, "after", 10, 10, 3 + (long long)(i % 3), 0);
	}
	doc = render_belief(b);
	assert_near(num(doc, "evaluation/before/mean"), 0.85, 1e-12);
	assert_near(num(doc, "evaluation/after/mean"), 0.4, 1e-12);
	assert_string_equal(str(doc, "evaluation/verdict"), "supported");
	json_decref(doc);
	json_decref(b);
}

/* Identical values on both sides: no variance, no test, inconclusive. */
static void
test_belief_flat(void **state)
{
	json_t	*b, *doc;
	size_t	 i;

	(void)state;
	b = belief_input("free_choice_rate", "increase");
	for (i = 0; i < 5; i++) {
		add_day(b, "before", 4, 4, 4, 4);
		add_day(b, "after", 4, 4, 4, 4);
	}
	doc = render_belief(b);
	assert_near(num(doc, "evaluation/difference"), 0, 0);
	assert_null_at(doc, "evaluation/t");
	assert_null_at(doc, "evaluation/p");
	assert_string_equal(str(doc, "evaluation/verdict"), "inconclusive");
	json_decref(doc);
	json_decref(b);
}

static void
test_belief_value(void **state)
{
	json_t	*w;
	double	 x = -1;

	(void)state;
	w = json_pack("{s:{s:i}, s:{s:i, s:i}, s:{s:f}, s:{s:n}}",
	    "window", "days", 14, "counts", "events", 30, "free_choice", 21,
	    "mastery", "value", 0.25, "results", "value");
	assert_true(belief_value(w, "free_choice_rate", &x));
	assert_near(x, 1.5, 0);
	assert_true(belief_value(w, "mastery", &x));
	assert_near(x, 0.25, 0);
	assert_false(belief_value(w, "results", &x));
	assert_false(belief_value(w, "purpose", &x));
	json_object_set_new(json_object_get(w, "counts"), "events",
	    json_integer(0));
	assert_false(belief_value(w, "free_choice_rate", &x));
	json_decref(w);
}

static void
test_beliefs_list(void **state)
{
	json_t	*b, *list, *doc;
	int	 status = 0;

	(void)state;
	b = belief_input("free_choice_rate", "increase");
	add_rates(b, "before", flat_before, NELEM(flat_before));
	add_rates(b, "after", step_after, NELEM(step_after));
	list = json_pack("{s:[O, O], s:s}", "data", b, b, "next_cursor", "abc");
	doc = beliefs_render(list, &status);
	assert_non_null(doc);
	assert_int_equal(status, 200);
	assert_int_equal(json_array_size(json_object_get(doc, "data")), 2);
	assert_string_equal(str(doc, "next_cursor"), "abc");
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    json_array_get(json_object_get(doc, "data"), 1), "evaluation"),
	    "verdict")), "supported");
	json_decref(doc);
	json_decref(list);

	list = json_pack("{s:[], s:n}", "data", "next_cursor");
	doc = beliefs_render(list, &status);
	assert_int_equal(json_array_size(json_object_get(doc, "data")), 0);
	assert_null_at(doc, "next_cursor");
	json_decref(doc);
	json_decref(list);
	json_decref(b);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_impact_crowding_out),
		cmocka_unit_test(test_impact_crowding_in),
		cmocka_unit_test(test_impact_inconclusive),
		cmocka_unit_test(test_impact_insufficient),
		cmocka_unit_test(test_impact_empty),
		cmocka_unit_test(test_impact_pending),
		cmocka_unit_test(test_impact_columns_by_name),
		cmocka_unit_test(test_impact_sd_pre_zero),
		cmocka_unit_test(test_impact_reproducible),
		cmocka_unit_test(test_belief_supported_and_contradicted),
		cmocka_unit_test(test_belief_welch_vector),
		cmocka_unit_test(test_belief_insufficient),
		cmocka_unit_test(test_belief_days_without_data),
		cmocka_unit_test(test_belief_autonomy),
		cmocka_unit_test(test_belief_flat),
		cmocka_unit_test(test_belief_value),
		cmocka_unit_test(test_beliefs_list),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
