/*
 * Unit tests for src/core/survey.c.
 */

#include <math.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "unit.h"

#include "core/survey.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

#define assert_near(a, b, eps)	near((a), (b), (eps), __FILE__, __LINE__)


static const struct survey_scale	likert7 = { 1.0, 7.0 };

/* The checked 5 x 3 alpha vector. */
static const double	alpha_m[] = {
	1, 2, 2,
	2, 2, 3,
	3, 4, 3,
	4, 4, 5,
	5, 5, 4
};

static void
test_item_score(void **state)
{
	const struct survey_scale	five = { 1.0, 5.0 }, bad = { 3.0, 3.0 };

	(void)state;
	assert_near(survey_item_score(&likert7, 1, 2.0), 6.0, 0.0);
	assert_near(survey_item_score(&likert7, 0, 2.0), 2.0, 0.0);
	assert_near(survey_item_score(&likert7, 1, 7.0), 1.0, 0.0);
	assert_near(survey_item_score(&likert7, 1, 4.0), 4.0, 0.0);
	assert_near(survey_item_score(&five, 1, 1.0), 5.0, 0.0);
	assert_true(isnan(survey_item_score(&likert7, 1, NAN)));
	assert_true(isnan(survey_item_score(&likert7, 0, 0.0)));
	assert_true(isnan(survey_item_score(&likert7, 1, 8.0)));
	assert_true(isnan(survey_item_score(&likert7, 0, INFINITY)));
	assert_true(isnan(survey_item_score(&bad, 0, 3.0)));
}

/*
 * Subscale 0 has two items (the second reversed), subscale 1 three,
 * subscale 2 none.
 */
static const struct survey_item		half_items[] = {
	{ 0, 0 }, { 0, 1 }, { 1, 0 }, { 1, 0 }, { 1, 1 }
};
static const struct survey_instrument	half_ins = {
	{ 1.0, 7.0 }, half_items, NELEM(half_items)
};

static void
test_subscale_half_rule(void **state)
{
	const double	full[] = { 5, 2, 3, 4, 7 };
	const double	one_each[] = { NAN, 2, 3, NAN, NAN };
	const double	two_of_3[] = { NAN, NAN, 3, NAN, 7 };
	const double	none[] = { NAN, NAN, NAN, NAN, NAN };
	double		x, scores[3];

	(void)state;
	/* (5 + (8 - 2)) / 2 and (3 + 4 + (8 - 7)) / 3 */
	assert_int_equal(survey_subscale(&half_ins, full, 0, &x), 1);
	assert_near(x, 5.5, 1e-12);
	assert_int_equal(survey_subscale(&half_ins, full, 1, &x), 1);
	assert_near(x, 8.0 / 3.0, 1e-12);
	/* 1 of 2 answered is half: defined. 1 of 3 is not. */
	assert_int_equal(survey_subscale(&half_ins, one_each, 0, &x), 1);
	assert_near(x, 6.0, 0.0);
	assert_int_equal(survey_subscale(&half_ins, one_each, 1, &x), 0);
	assert_true(isnan(x));
	/* 2 of 3: defined, mean of the two answered. */
	assert_int_equal(survey_subscale(&half_ins, two_of_3, 1, &x), 1);
	assert_near(x, 2.0, 0.0);
	assert_int_equal(survey_subscale(&half_ins, none, 0, &x), 0);
	/* A subscale without items is undefined. */
	assert_int_equal(survey_subscale(&half_ins, full, 2, &x), 0);
	assert_true(isnan(x));

	assert_int_equal(survey_score(&half_ins, full, scores, 3), 2);
	assert_near(scores[0], 5.5, 1e-12);
	assert_near(scores[1], 8.0 / 3.0, 1e-12);
	assert_true(isnan(scores[2]));
	assert_int_equal(survey_score(&half_ins, one_each, scores, 3), 1);
	assert_true(isnan(scores[1]));
}

static void
test_subscale_out_of_range(void **state)
{
	const double	ans[] = { 9, 2, 3, 4, 0 };
	double		x;

	(void)state;
	/* 9 counts as missing: 1 of 2 answered, reversed 2 -> 6. */
	assert_int_equal(survey_subscale(&half_ins, ans, 0, &x), 1);
	assert_near(x, 6.0, 0.0);
	/* 0 counts as missing: 2 of 3, (3 + 4) / 2. */
	assert_int_equal(survey_subscale(&half_ins, ans, 1, &x), 1);
	assert_near(x, 3.5, 0.0);
}

static void
test_alpha_vector(void **state)
{
	double	a;

	(void)state;
	assert_int_equal(survey_alpha(alpha_m, 5, 3, &a), 1);
	assert_near(a, 0.928571, 1e-6);
	assert_near(a, 13.0 / 14.0, 1e-12);
	assert_false(survey_alpha_low(a));
}

/* The same answers through an instrument, with noise around them. */
static void
test_alpha_subscale(void **state)
{
	/* Items: s0, s1, s0, s0 (reversed on 1-7), s1 */
	const struct survey_item	items[] = {
		{ 0, 0 }, { 1, 0 }, { 0, 0 }, { 0, 1 }, { 1, 0 }
	};
	const struct survey_instrument	ins = { { 1, 7 }, items, 5 };
	/* Column 3 holds 8 - x; row 5 is incomplete for subscale 0. */
	const double	ans[] = {
		1, 7, 2, 6, 1,
		2, NAN, 2, 5, 1,
		3, 1, 4, 5, 2,
		4, 2, 4, 3, 2,
		5, 3, 5, 4, 3,
		NAN, 4, 1, 1, 3
	};
	double	a;

	(void)state;
	assert_int_equal(survey_alpha_subscale(&ins, ans, 6, 0, &a), 1);
	assert_near(a, 13.0 / 14.0, 1e-12);
	/* Subscale 1: 2 items, Spearman-Brown of r over 5 complete rows. */
	assert_int_equal(survey_alpha_subscale(&ins, ans, 6, 1, &a), 1);
	assert_true(a < 0.0);
	/* Subscale 2 has no items. */
	assert_int_equal(survey_alpha_subscale(&ins, ans, 6, 2, &a), 0);
	assert_true(isnan(a));
	/* Only one complete row left. */
	assert_int_equal(survey_alpha_subscale(&ins, ans + 4 * 5, 2, 0, &a),
	    0);
}

static void
test_spearman_brown(void **state)
{
	const double	two[] = {
		1, 2,
		2, 1,
		3, 4,
		4, 3,
		5, 5
	};
	double		a;

	(void)state;
	assert_near(survey_spearman_brown(0.5), 0.666667, 1e-6);
	assert_near(survey_spearman_brown(0.5), 2.0 / 3.0, 1e-15);
	assert_near(survey_spearman_brown(1.0), 1.0, 0.0);
	assert_near(survey_spearman_brown(0.0), 0.0, 0.0);
	assert_true(isnan(survey_spearman_brown(-1.0)));
	assert_true(isnan(survey_spearman_brown(1.5)));
	/* k == 2 uses Spearman-Brown: here r = 0.8, so 1.6 / 1.8. */
	assert_int_equal(survey_alpha(two, 5, 2, &a), 1);
	assert_near(a, 1.6 / 1.8, 1e-12);
	/* Perfect correlation through round-off must stay defined. */
	{
		const double	perfect[] = { 0.1, 0.3, 0.2, 0.6, 0.7, 2.1 };

		assert_int_equal(survey_alpha(perfect, 3, 2, &a), 1);
		assert_near(a, 1.0, 1e-12);
	}
}

static void
test_alpha_undefined(void **state)
{
	const double	flat[] = { 3, 3, 3, 3, 3, 3, 3, 3, 3 };
	const double	opposite[] = { 1, 7, 2, 6, 4, 4 };	/* totals 8 */
	const double	const_item[] = { 1, 4, 2, 4, 3, 4 };
	const double	flat_tenths[] = {
		0.1, 0.2, 0.3,
		0.1, 0.2, 0.3,
		0.1, 0.2, 0.3
	};
	double		a;

	(void)state;
	/* Zero variance. */
	assert_int_equal(survey_alpha(flat, 3, 3, &a), 0);
	assert_true(isnan(a));
	assert_int_equal(survey_alpha(flat_tenths, 3, 3, &a), 0);
	assert_int_equal(survey_alpha(opposite, 3, 2, &a), 0);
	/* k == 2 with a constant item: r undefined. */
	assert_int_equal(survey_alpha(const_item, 3, 2, &a), 0);
	/* Fewer than 2 respondents, fewer than 2 items. */
	assert_int_equal(survey_alpha(alpha_m, 1, 3, &a), 0);
	assert_int_equal(survey_alpha(alpha_m, 15, 1, &a), 0);
	assert_false(survey_alpha_low(a));
}

static void
test_alpha_low(void **state)
{
	(void)state;
	assert_true(survey_alpha_low(0.69));
	assert_true(survey_alpha_low(-0.2));
	assert_false(survey_alpha_low(0.70));
	assert_false(survey_alpha_low(0.93));
	assert_false(survey_alpha_low(NAN));
}

static void
test_rai(void **state)
{
	const double	equal[] = { 4, 4, 4, 4 };
	const double	top[] = { 7, 7, 1, 1 };
	const double	bottom[] = { 1, 1, 7, 7 };
	const double	missing[] = { 7, NAN, 1, 1 };
	const double	custom[] = { 3, 0, 0, 3 };
	double		x;

	(void)state;
	assert_int_equal(survey_rai(equal, NULL, &x), 1);
	assert_near(x, 0.0, 0.0);
	assert_int_equal(survey_rai(top, NULL, &x), 1);
	assert_near(x, 18.0, 0.0);
	assert_int_equal(survey_rai(bottom, NULL, &x), 1);
	assert_near(x, -18.0, 0.0);
	assert_int_equal(survey_rai(missing, NULL, &x), 0);
	assert_true(isnan(x));
	/* Custom weights; a 0 weight leaves its subscale out. */
	assert_int_equal(survey_rai(missing, custom, &x), 1);
	assert_near(x, 3.0 * 7.0 + 3.0 * 1.0, 0.0);
	assert_near(survey_rai_default[SURVEY_RAI_INTRINSIC], 2.0, 0.0);
	assert_near(survey_rai_default[SURVEY_RAI_EXTERNAL], -2.0, 0.0);
}

static void
test_index(void **state)
{
	/* autonomy, mastery, purpose, intrinsic, identified, ... */
	const double	scores[] = { NAN, 5, 6, 7, 7, 1, 1 };
	const double	w[] = { 0, 0, 0, 2, 1, -1, -2 };
	const double	w_aut[] = { 1, 0, 0, 0, 0, 0, 0 };
	const double	zero[] = { 0, 0, 0, 0, 0, 0, 0 };
	double		x;

	(void)state;
	assert_int_equal(survey_index(scores, w, 7, &x), 1);
	assert_near(x, 18.0, 0.0);
	assert_int_equal(survey_index(scores, w_aut, 7, &x), 0);
	assert_true(isnan(x));
	assert_int_equal(survey_index(scores, zero, 7, &x), 0);
}

/* End to end: instrument, answers, scores, RAI, alpha. */
static void
test_pipeline(void **state)
{
	const struct survey_item	items[] = {
		{ 0, 0 }, { 0, 1 },	/* intrinsic */
		{ 1, 0 }, { 1, 0 },	/* identified */
		{ 2, 0 }, { 2, 0 },	/* introjected */
		{ 3, 0 }, { 3, 1 }	/* external */
	};
	const struct survey_instrument	ins = { { 1, 7 }, items, 8 };
	const double	ans[] = { 7, 1, 6, NAN, 2, 2, 1, 7 };
	double		s[SURVEY_RAI_N], rai;

	(void)state;
	assert_int_equal(survey_score(&ins, ans, s, SURVEY_RAI_N), 4);
	assert_near(s[0], 7.0, 0.0);
	assert_near(s[1], 6.0, 0.0);
	assert_near(s[2], 2.0, 0.0);
	assert_near(s[3], 1.0, 0.0);
	assert_int_equal(survey_rai(s, NULL, &rai), 1);
	assert_near(rai, 14.0 + 6.0 - 2.0 - 2.0, 0.0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_item_score),
		cmocka_unit_test(test_subscale_half_rule),
		cmocka_unit_test(test_subscale_out_of_range),
		cmocka_unit_test(test_alpha_vector),
		cmocka_unit_test(test_alpha_subscale),
		cmocka_unit_test(test_spearman_brown),
		cmocka_unit_test(test_alpha_undefined),
		cmocka_unit_test(test_alpha_low),
		cmocka_unit_test(test_rai),
		cmocka_unit_test(test_index),
		cmocka_unit_test(test_pipeline),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
