/*
 * Unit tests for src/core/stats.c.
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

#include "core/stats.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static const double	welch_a[] = { 1, 2, 3, 4, 5 };
static const double	welch_b[] = { 2, 4, 6, 8, 10 };

#define assert_near(a, b, eps)	near((a), (b), (eps), __FILE__, __LINE__)

static double	gauss(struct stats_rng *);

/* Box-Muller; one variate per call keeps the helper stateless. */
static double
gauss(struct stats_rng *g)
{
	double	u1, u2;

	do {
		u1 = stats_rng_uniform(g);
	} while (u1 == 0.0);
	u2 = stats_rng_uniform(g);
	return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

static void
test_mean_var(void **state)
{
	const double	x[] = { 2, 4, 4, 4, 5, 5, 7, 9 };

	(void)state;
	assert_near(stats_mean(x, NELEM(x)), 5.0, 1e-12);
	assert_near(stats_var(x, NELEM(x)), 32.0 / 7.0, 1e-12);
	assert_near(stats_sd(x, NELEM(x)), sqrt(32.0 / 7.0), 1e-12);
	assert_true(isnan(stats_mean(x, 0)));
	assert_true(isnan(stats_var(x, 1)));
	assert_true(isnan(stats_sd(x, 1)));
	assert_near(stats_mean(x, 1), 2.0, 0.0);
}

static void
test_betai(void **state)
{
	(void)state;
	/* I_x(a, 1) = x^a; I_1/2(a, a) = 1/2 by symmetry. */
	assert_near(stats_betai(3.0, 1.0, 0.4), pow(0.4, 3.0), 1e-14);
	assert_near(stats_betai(7.5, 7.5, 0.5), 0.5, 1e-14);
	assert_near(stats_betai(2.0, 3.0, 0.0), 0.0, 0.0);
	assert_near(stats_betai(2.0, 3.0, 1.0), 1.0, 0.0);
	assert_true(isnan(stats_betai(0.0, 1.0, 0.5)));
	assert_true(isnan(stats_betai(1.0, 1.0, 1.5)));
	assert_true(isnan(stats_betai(1.0, 1.0, NAN)));
}

static void
test_t_table(void **state)
{
	(void)state;
	/* Published two-sided critical values. */
	assert_near(stats_t_p2(2.228, 10), 0.05, 5e-4);
	assert_near(stats_t_p2(2.086, 20), 0.05, 5e-4);
	assert_near(stats_t_p2(3.169, 10), 0.01, 5e-4);
	assert_near(stats_t_p2(1.812, 10), 0.10, 5e-4);
	assert_near(stats_t_p2(2.576, 1e6), 0.01, 5e-4);
	assert_near(stats_t_p2(-2.228, 10), 0.05, 5e-4);
	/* Closed forms: Cauchy at df 1, t at df 2. */
	assert_near(stats_t_cdf(1.0, 1.0), 0.75, 1e-14);
	assert_near(stats_t_cdf(1.5, 2.0),
	    0.5 + 1.5 / (2.0 * sqrt(2.0 + 1.5 * 1.5)), 1e-14);
	assert_near(stats_t_cdf(0.0, 7.0), 0.5, 0.0);
	assert_near(stats_t_p2(0.0, 7.0), 1.0, 0.0);
	assert_near(stats_t_cdf(-1.3, 4.5), 1.0 - stats_t_cdf(1.3, 4.5),
	    1e-15);
	/* Normal limit. */
	assert_near(stats_t_p2(1.959963984540054, INFINITY), 0.05,
	    1e-12);
	assert_near(stats_t_p2(INFINITY, 3.0), 0.0, 0.0);
	assert_true(isnan(stats_t_p2(1.0, 0.0)));
	assert_true(isnan(stats_t_p2(NAN, 3.0)));
}

/*
 * More of the published two-sided table (3 decimals of t): 0.10, 0.05,
 * 0.01 and 0.001 across df 1 to 120. Rounding t to 3 decimals moves p by
 * under 5e-5 at 0.05 and under 2e-6 at 0.001.
 */
static void
test_t_table_more(void **state)
{
	static const struct {
		double	t, df, p, eps;
	} v[] = {
		{ 12.706, 1, 0.05, 5e-5 }, { 63.657, 1, 0.01, 5e-6 },
		{ 4.303, 2, 0.05, 5e-5 }, { 9.925, 2, 0.01, 5e-6 },
		{ 3.182, 3, 0.05, 5e-5 }, { 5.841, 3, 0.01, 5e-6 },
		{ 12.924, 3, 0.001, 2e-6 },
		{ 2.015, 5, 0.10, 5e-5 }, { 2.571, 5, 0.05, 5e-5 },
		{ 4.032, 5, 0.01, 5e-6 }, { 6.869, 5, 0.001, 2e-6 },
		{ 2.042, 30, 0.05, 5e-5 }, { 2.750, 30, 0.01, 5e-6 },
		{ 2.000, 60, 0.05, 5e-5 }, { 1.980, 120, 0.05, 5e-5 },
		{ 3.373, 120, 0.001, 2e-6 }, { 1.645, 1e9, 0.10, 5e-5 },
	};
	size_t	i;

	(void)state;
	for (i = 0; i < NELEM(v); i++) {
		assert_near(stats_t_p2(v[i].t, v[i].df), v[i].p, v[i].eps);
		assert_near(stats_t_p2(-v[i].t, v[i].df), v[i].p, v[i].eps);
		/* One-sided: the upper tail is half of it. */
		assert_near(1.0 - stats_t_cdf(v[i].t, v[i].df), v[i].p / 2.0,
		    v[i].eps);
	}
}

/* Far tails and huge df, against 50-digit references (mpmath). */
static void
test_t_precision(void **state)
{
	(void)state;
	assert_near(stats_t_p2(40.0, 10.0) / 2.28085774308575e-12,
	    1.0, 1e-12);
	assert_near(stats_t_p2(10.0, 1e6) / 1.52786107681783e-23,
	    1.0, 1e-9);
	assert_near(stats_t_p2(2.576, 1e10) / 0.00999506464568477,
	    1.0, 1e-12);
	assert_near(stats_t_p2(2.576, 1e7) / 0.00999507884620559,
	    1.0, 1e-9);
	assert_near(stats_t_p2(20.0, 3e7) / 5.51463278580988e-89, 1.0, 1e-12);
	/* Huge t: p underflows to 0, never NAN. */
	assert_near(stats_t_p2(1e200, 1e9), 0.0, 0.0);
	assert_near(stats_t_p2(-1e200, 5.0), 0.0, 0.0);
	assert_near(stats_t_p2(39.9, 1e9), 0.0, 1e-300);
}

static void
test_t_quantile(void **state)
{
	const double	df[] = { 1, 2.5, 5.882353, 10, 30, 1e4, 1e9 };
	const double	p[] = { 1e-9, 0.01, 0.2, 0.6, 0.975, 0.999 };
	double		q;
	size_t		i, j;

	(void)state;
	assert_near(stats_t_quantile(0.975, 10), 2.228, 5e-4);
	assert_near(stats_t_quantile(0.975, 10), 2.2281388519649,
	    1e-9);
	assert_near(stats_t_quantile(0.975, 1), 12.706204736175,
	    1e-8);
	assert_near(stats_t_quantile(0.5, 3), 0.0, 0.0);
	assert_true(isinf(stats_t_quantile(0.0, 3)) &&
	    stats_t_quantile(0.0, 3) < 0);
	assert_true(isinf(stats_t_quantile(1.0, 3)) &&
	    stats_t_quantile(1.0, 3) > 0);
	assert_true(isnan(stats_t_quantile(1.5, 3)));
	assert_true(isnan(stats_t_quantile(0.5, -1)));
	for (i = 0; i < NELEM(df); i++)
		for (j = 0; j < NELEM(p); j++) {
			q = stats_t_quantile(p[j], df[i]);
			assert_near(stats_t_cdf(q, df[i]) / p[j], 1.0,
			    1e-9);
		}
}

static void
test_welch_vector(void **state)
{
	struct stats_welch	w;

	(void)state;
	assert_int_equal(stats_welch(welch_a, 5, welch_b, 5, &w), 1);
	assert_true(w.ok);
	assert_int_equal(w.na, 5);
	assert_int_equal(w.nb, 5);
	assert_near(w.mean_a, 3.0, 1e-12);
	assert_near(w.mean_b, 6.0, 1e-12);
	assert_near(w.diff, 3.0, 1e-12);
	assert_near(w.t, 1.897367, 1e-3);
	assert_near(w.df, 5.882353, 1e-3);
	assert_near(w.p, 0.1075, 1e-3);
	assert_near(w.t, 1.8973665961, 1e-9);
	assert_near(w.df, 100.0 / 17.0, 1e-12);
	assert_near(w.d, 1.2, 1e-6);
	assert_near(w.j, 0.903226, 1e-6);
	assert_near(w.g, 1.083871, 1e-6);
	/* The CI contains the difference, symmetrically. */
	assert_true(w.ci_low < w.diff && w.diff < w.ci_high);
	assert_near(w.diff - w.ci_low, w.ci_high - w.diff, 1e-12);
	/* p > 0.05 so the 95% interval must cover 0. */
	assert_true(w.ci_low < 0.0);
	assert_near(w.ci_high - w.diff,
	    stats_t_quantile(0.975, w.df) * w.se, 1e-12);
}

static void
test_welch_swapped(void **state)
{
	struct stats_welch	w;

	(void)state;
	assert_true(stats_welch(welch_b, 5, welch_a, 5, &w));
	assert_near(w.diff, -3.0, 1e-12);
	assert_near(w.t, -1.897367, 1e-6);
	assert_near(w.d, -1.2, 1e-6);
	assert_near(w.p, 0.1075, 1e-3);
}

static void
test_welch_degenerate(void **state)
{
	const double		same[] = { 4, 4, 4 };
	const double		ones[] = { 1, 1, 1 };
	const double		b[] = { 1, 2, 3, 4 };
	const double		bad[] = { 1, NAN, 3 };
	struct stats_welch	w;

	(void)state;
	/* n < 2 on a side. */
	assert_int_equal(stats_welch(welch_a, 1, welch_b, 5, &w), 0);
	assert_false(w.ok);
	assert_true(isnan(w.p));
	/* Both variances 0: t would be infinite or 0/0. */
	assert_int_equal(stats_welch(same, 3, ones, 3, &w), 0);
	assert_true(isnan(w.t));
	assert_near(w.diff, -3.0, 0.0);
	/* Not finite. */
	assert_int_equal(stats_welch(bad, 3, b, 4, &w), 0);
	/* One variance 0: se from the other side, df = its n - 1. */
	assert_int_equal(stats_welch(ones, 3, b, 4, &w), 1);
	assert_near(w.df, 3.0, 1e-12);
	assert_near(w.se, sqrt((5.0 / 3.0) / 4.0), 1e-12);
	assert_near(w.diff, 1.5, 1e-12);
	assert_true(isfinite(w.p) && w.p > 0.0 && w.p < 1.0);
}

static void
test_rng(void **state)
{
	struct stats_rng	g, h;
	uint64_t		x;
	double			u;
	unsigned int		count[3] = { 0, 0, 0 };
	int			i, differ = 0;

	(void)state;
	/* FNV-1a 64 reference vectors. */
	assert_true(stats_seed_str("") == 0xcbf29ce484222325ULL);
	assert_true(stats_seed_str("a") == 0xaf63dc4c8601ec8cULL);
	assert_true(stats_seed_str("foobar") == 0x85944171f73967e8ULL);
	/* splitmix64 reference: first output from 0. */
	stats_rng_seed(&g, 0);
	assert_true(g.s[0] == 0xe220a8397b1dcdafULL);

	stats_rng_seed(&g, stats_seed_str("org/campaign"));
	stats_rng_seed(&h, stats_seed_str("org/campaign"));
	for (i = 0; i < 1000; i++)
		assert_true(stats_rng_next(&g) == stats_rng_next(&h));
	stats_rng_seed(&h, stats_seed_str("org/campaign2"));
	for (i = 0; i < 10; i++) {
		x = stats_rng_next(&g);
		differ += x != stats_rng_next(&h);
	}
	assert_true(differ > 0);
	for (i = 0; i < 30000; i++) {
		u = stats_rng_uniform(&g);
		assert_true(u >= 0.0 && u < 1.0);
		count[stats_rng_below(&g, 3)]++;
	}
	for (i = 0; i < 3; i++)
		assert_true(count[i] > 9500 && count[i] < 10500);
	assert_int_equal(stats_rng_below(&g, 0), 0);
	assert_int_equal(stats_rng_below(&g, 1), 0);
	for (i = 0; i < 1000; i++)
		assert_true(stats_rng_below(&g, UINT32_MAX) < UINT32_MAX);
}

/*
 * T: pre 1 2 3, post 2 4 5 (changes 1 2 2, mean 5/3);
 * C: pre 1 1 2, post 1 2 2 (changes 0 1 0, mean 1/3); raw = 4/3.
 * Pre SS: T 2, C 2/3; pooled sd = sqrt((8/3) / 4).
 */
static void
test_did_hand(void **state)
{
	const double	tpre[] = { 1, 2, 3 }, tpost[] = { 2, 4, 5 };
	const double	cpre[] = { 1, 1, 2 }, cpost[] = { 1, 2, 2 };
	struct stats_did	r;

	(void)state;
	assert_int_equal(stats_did(tpre, tpost, 3, cpre, cpost, 3, 500, 42,
	    &r), 0);
	assert_true(r.ok);
	assert_near(r.t_pre, 2.0, 1e-12);
	assert_near(r.t_post, 11.0 / 3.0, 1e-12);
	assert_near(r.c_pre, 4.0 / 3.0, 1e-12);
	assert_near(r.c_post, 5.0 / 3.0, 1e-12);
	assert_near(r.raw, 4.0 / 3.0, 1e-12);
	assert_near(r.sd_pre, sqrt(2.0 / 3.0), 1e-12);
	assert_true(r.standardized);
	assert_near(r.effect, (4.0 / 3.0) / sqrt(2.0 / 3.0), 1e-12);
	assert_int_equal(r.nboot, 500);
}

/*
 * Pre values mostly equal: a resample whose pre values are all 0 has no
 * standardizer (P = 0.8^5 here), far more than the 5% a CI may lose.
 */
static void
test_did_degenerate_resamples(void **state)
{
	const double	tpre[] = { 0, 0, 0, 0, 1 }, tpost[] = { 0, 1, 0, 1, 1 };
	const double	cpre[] = { 0, 0, 0, 0, 0 }, cpost[] = { 1, 0, 0, 0, 1 };
	struct stats_did	r;

	(void)state;
	assert_int_equal(stats_did(tpre, tpost, 5, cpre, cpost, 5, 1000, 3,
	    &r), 0);
	assert_true(r.ok && r.standardized);
	assert_true(r.nboot_used > 500 && r.nboot_used < 800);
	assert_false(r.ci_ok);
	assert_true(isnan(r.ci_low) && isnan(r.ci_high));
	assert_int_equal(stats_co_verdict(5, 5, r.ci_low, r.ci_high, 1),
	    STATS_CO_INCONCLUSIVE);
}

static void
test_did_insufficient(void **state)
{
	const double	x[] = { 1, 2, 3 };
	const double	bad[] = { 1, INFINITY, 3 };
	struct stats_did	r;

	(void)state;
	assert_int_equal(stats_did(x, x, 1, x, x, 3, 0, 1, &r), 0);
	assert_false(r.ok);
	assert_true(isnan(r.raw));
	assert_int_equal(r.nboot, STATS_BOOT_DEFAULT);
	assert_int_equal(stats_did(x, bad, 3, x, x, 3, 0, 1, &r), 0);
	assert_false(r.ok);
}

/* All pre values equal: nothing to standardize by, CI is of raw. */
static void
test_did_sd_zero(void **state)
{
	const double	tpre[] = { 1, 1, 1, 1, 1, 1 };
	const double	tpost[] = { 0, 1, 0, 2, 0, 1 };
	const double	cpre[] = { 1, 1, 1, 1, 1 };
	const double	cpost[] = { 2, 1, 3, 1, 2 };
	struct stats_did	r;

	(void)state;
	assert_int_equal(stats_did(tpre, tpost, 6, cpre, cpost, 5, 0, 7, &r),
	    0);
	assert_true(r.ok);
	assert_near(r.sd_pre, 0.0, 0.0);
	assert_false(r.standardized);
	assert_true(isnan(r.effect));
	assert_near(r.raw, (4.0 / 6.0 - 1.0) - (9.0 / 5.0 - 1.0),
	    1e-12);
	assert_true(r.ci_ok);
	assert_int_equal(r.nboot, STATS_BOOT_DEFAULT);
	assert_int_equal(r.nboot_used, STATS_BOOT_DEFAULT);
	assert_true(r.ci_low <= r.raw && r.raw <= r.ci_high);
	assert_true(r.ci_high < 0.0);
}

static void
test_did_reproducible(void **state)
{
	struct stats_rng	g;
	struct stats_did	a, b, c;
	double			tpre[40], tpost[40], cpre[30], cpost[30];
	size_t			i;

	(void)state;
	stats_rng_seed(&g, 99);
	for (i = 0; i < 40; i++) {
		tpre[i] = stats_rng_uniform(&g);
		tpost[i] = tpre[i] + stats_rng_uniform(&g) - 0.5;
	}
	for (i = 0; i < 30; i++) {
		cpre[i] = stats_rng_uniform(&g);
		cpost[i] = cpre[i] + stats_rng_uniform(&g) - 0.5;
	}
	assert_int_equal(stats_did(tpre, tpost, 40, cpre, cpost, 30, 0,
	    stats_seed_str("org/campaign"), &a), 0);
	assert_int_equal(stats_did(tpre, tpost, 40, cpre, cpost, 30, 0,
	    stats_seed_str("org/campaign"), &b), 0);
	assert_int_equal(stats_did(tpre, tpost, 40, cpre, cpost, 30, 0,
	    stats_seed_str("org/other"), &c), 0);
	assert_true(a.ci_ok && b.ci_ok && c.ci_ok);
	assert_memory_equal(&a.ci_low, &b.ci_low, sizeof(double));
	assert_memory_equal(&a.ci_high, &b.ci_high, sizeof(double));
	assert_true(a.ci_low != c.ci_low || a.ci_high != c.ci_high);
	/* The point estimate does not depend on the seed. */
	assert_near(a.effect, c.effect, 0.0);
	assert_true(a.ci_low < a.effect && a.effect < a.ci_high);
}

/*
 * 300 + 300 members, pre ~ N(2, 1), post = pre + N(0, 0.5), exposed
 * post lowered by 0.4 (= 0.4 SD_pre): the CI must exclude 0 and cover
 * -0.4.  The change noise is centred within each group so the sample's
 * raw effect is the designed -0.4: the test checks the interval, not
 * the luck of one draw (uncentred, this seed lands 1.7 SE away).
 */
static void
test_did_simulation(void **state)
{
	struct stats_rng	 g;
	struct stats_did	 r;
	double			*tpre, *tpost, *cpre, *cpost, *e, et, ec;
	size_t			 i, n = 300;

	(void)state;
	tpre = calloc(6 * n, sizeof(double));
	assert_non_null(tpre);
	tpost = tpre + n;
	cpre = tpost + n;
	cpost = cpre + n;
	e = cpost + n;
	stats_rng_seed(&g, stats_seed_str("sim/crowding-out"));
	for (i = 0; i < n; i++) {
		tpre[i] = 2.0 + gauss(&g);
		cpre[i] = 2.0 + gauss(&g);
		e[i] = 0.5 * gauss(&g);
		e[n + i] = 0.5 * gauss(&g);
	}
	et = stats_mean(e, n);
	ec = stats_mean(e + n, n);
	for (i = 0; i < n; i++) {
		tpost[i] = tpre[i] + e[i] - et - 0.4;
		cpost[i] = cpre[i] + e[n + i] - ec;
	}
	assert_int_equal(stats_did(tpre, tpost, n, cpre, cpost, n, 2000,
	    stats_seed_str("org/campaign"), &r), 0);
	assert_true(r.ok && r.standardized && r.ci_ok);
	assert_near(r.raw, -0.4, 1e-12);
	assert_near(r.sd_pre, 1.0, 0.1);
	assert_int_equal(r.nboot_used, 2000);
	assert_true(r.ci_high < 0.0);
	assert_true(r.ci_low <= -0.4 && -0.4 <= r.ci_high);
	assert_true(r.ci_low < r.effect && r.effect < r.ci_high);
	assert_int_equal(stats_co_verdict(n, n, r.ci_low, r.ci_high, 1),
	    STATS_CO_CROWDING_OUT);
	print_message("did simulation: effect %.3f, 95%% CI [%.3f, %.3f]\n",
	    r.effect, r.ci_low, r.ci_high);
	free(tpre);
}

/* 500 + 500 members, 2000 resamples: every resample usable, CI brackets. */
static void
test_did_large(void **state)
{
	struct stats_rng	 g;
	struct stats_did	 r;
	double			*v;
	size_t			 i, n = 500;

	(void)state;
	v = calloc(4 * n, sizeof(double));
	assert_non_null(v);
	stats_rng_seed(&g, 5);
	for (i = 0; i < 4 * n; i++)
		v[i] = stats_rng_uniform(&g);
	assert_int_equal(stats_did(v, v + n, n, v + 2 * n, v + 3 * n, n,
	    2000, 1, &r), 0);
	assert_true(r.ci_ok);
	assert_int_equal(r.nboot_used, 2000);
	assert_true(r.ci_low <= r.effect && r.effect <= r.ci_high);
	free(v);
}

static void
test_co_verdict(void **state)
{
	(void)state;
	assert_int_equal(stats_co_verdict(4, 10, -1, -0.5, 1),
	    STATS_CO_INSUFFICIENT_DATA);
	assert_int_equal(stats_co_verdict(10, 4, -1, -0.5, 0),
	    STATS_CO_INSUFFICIENT_DATA);
	assert_int_equal(stats_co_verdict(5, 5, -1, -0.5, 0),
	    STATS_CO_PENDING);
	assert_int_equal(stats_co_verdict(5, 5, -1, -0.5, 1),
	    STATS_CO_CROWDING_OUT);
	assert_int_equal(stats_co_verdict(5, 5, 0.1, 0.5, 1),
	    STATS_CO_CROWDING_IN);
	assert_int_equal(stats_co_verdict(5, 5, -0.1, 0.5, 1),
	    STATS_CO_INCONCLUSIVE);
	assert_int_equal(stats_co_verdict(5, 5, -0.3, 0.0, 1),
	    STATS_CO_INCONCLUSIVE);
	assert_int_equal(stats_co_verdict(5, 5, NAN, NAN, 1),
	    STATS_CO_INCONCLUSIVE);
	assert_string_equal(stats_co_verdict_name(STATS_CO_INSUFFICIENT_DATA),
	    "insufficient_data");
	assert_string_equal(stats_co_verdict_name(STATS_CO_PENDING),
	    "pending");
	assert_string_equal(stats_co_verdict_name(STATS_CO_CROWDING_OUT),
	    "crowding_out");
	assert_string_equal(stats_co_verdict_name(STATS_CO_CROWDING_IN),
	    "crowding_in");
	assert_string_equal(stats_co_verdict_name(STATS_CO_INCONCLUSIVE),
	    "inconclusive");
}

static void
test_belief_verdict(void **state)
{
	const double		before[] = { 1, 2, 3, 2, 1 };
	const double		after[] = { 6, 7, 8, 7, 6 };
	const double		flat[] = { 2, 2, 2 };
	struct stats_welch	w;

	(void)state;
	assert_true(stats_welch(before, 5, after, 5, &w));
	assert_true(w.p < 0.05);
	assert_int_equal(stats_belief_verdict(&w, 1), STATS_BELIEF_SUPPORTED);
	assert_int_equal(stats_belief_verdict(&w, -1),
	    STATS_BELIEF_CONTRADICTED);
	assert_true(stats_welch(after, 5, before, 5, &w));
	assert_int_equal(stats_belief_verdict(&w, -1),
	    STATS_BELIEF_SUPPORTED);
	/* p = 0.1075 */
	assert_true(stats_welch(welch_a, 5, welch_b, 5, &w));
	assert_int_equal(stats_belief_verdict(&w, 1),
	    STATS_BELIEF_INCONCLUSIVE);
	stats_welch(before, 2, after, 5, &w);
	assert_int_equal(stats_belief_verdict(&w, 1),
	    STATS_BELIEF_INSUFFICIENT_DATA);
	stats_welch(before, 5, after, 2, &w);
	assert_int_equal(stats_belief_verdict(&w, 1),
	    STATS_BELIEF_INSUFFICIENT_DATA);
	/* Enough days but no variance anywhere: not a test, inconclusive. */
	assert_false(stats_welch(flat, 3, flat, 3, &w));
	assert_int_equal(stats_belief_verdict(&w, 1),
	    STATS_BELIEF_INCONCLUSIVE);
	assert_string_equal(stats_belief_verdict_name(
	    STATS_BELIEF_INSUFFICIENT_DATA), "insufficient_data");
	assert_string_equal(stats_belief_verdict_name(STATS_BELIEF_SUPPORTED),
	    "supported");
	assert_string_equal(stats_belief_verdict_name(
	    STATS_BELIEF_CONTRADICTED), "contradicted");
	assert_string_equal(stats_belief_verdict_name(
	    STATS_BELIEF_INCONCLUSIVE), "inconclusive");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mean_var),
		cmocka_unit_test(test_betai),
		cmocka_unit_test(test_t_table),
		cmocka_unit_test(test_t_table_more),
		cmocka_unit_test(test_t_precision),
		cmocka_unit_test(test_t_quantile),
		cmocka_unit_test(test_welch_vector),
		cmocka_unit_test(test_welch_swapped),
		cmocka_unit_test(test_welch_degenerate),
		cmocka_unit_test(test_rng),
		cmocka_unit_test(test_did_hand),
		cmocka_unit_test(test_did_degenerate_resamples),
		cmocka_unit_test(test_did_insufficient),
		cmocka_unit_test(test_did_sd_zero),
		cmocka_unit_test(test_did_reproducible),
		cmocka_unit_test(test_did_simulation),
		cmocka_unit_test(test_did_large),
		cmocka_unit_test(test_co_verdict),
		cmocka_unit_test(test_belief_verdict),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
