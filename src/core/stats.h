/*
 * Pure statistics for ampmeter: descriptive statistics, Welch's t-test,
 * Student-t distribution, a seeded PRNG, difference in differences with a
 * bootstrap interval, and the verdict rules for crowding-out and beliefs.
 *
 * No I/O and no state outside the arguments; every function is reentrant.
 * Undefined results are NAN plus a flag, never a made-up 0.
 */

#ifndef STATS_H
#define STATS_H

#include <stddef.h>
#include <stdint.h>

#define STATS_BOOT_DEFAULT	2000	/* bootstrap resamples when 0 given */
#define STATS_ALPHA		0.05	/* significance level for verdicts */
#define STATS_CO_MIN_N		5	/* members per group for crowding-out */
#define STATS_BELIEF_MIN_N	3	/* days per side for a belief */

/* NAN when n < 1. */
double	stats_mean(const double *, size_t);
/* Sample variance and sd (divisor n - 1); NAN when n < 2. */
double	stats_var(const double *, size_t);
double	stats_sd(const double *, size_t);

/*
 * Regularized incomplete beta I_x(a, b) for a, b > 0 and 0 <= x <= 1;
 * NAN outside that domain.
 */
double	stats_betai(double, double, double);

/*
 * Student-t with df > 0 degrees of freedom (df may be INFINITY, which
 * gives the normal distribution).  stats_t_cdf(t, df) is P(T <= t);
 * stats_t_p2(t, df) is the two-sided p, P(|T| >= |t|).
 * stats_t_quantile(p, df) inverts the cdf: the t with P(T <= t) = p,
 * -INFINITY for p = 0, INFINITY for p = 1, NAN outside [0, 1].
 */
double	stats_t_cdf(double, double);
double	stats_t_p2(double, double);
double	stats_t_quantile(double, double);

/*
 * Welch's two-sample t-test of b against a.  Every difference is b - a,
 * so pass the "before" sample as a and the "after" sample as b.
 *
 * ok is 0 (and the test fields NAN) when a side has fewer than 2 values,
 * a value is not finite, or both variances are 0.  When exactly one
 * variance is 0 the test is still computed: the standard error then comes
 * from the other side alone and df reduces to that side's n - 1.
 */
struct stats_welch {
	int	ok;
	size_t	na, nb;
	double	mean_a, mean_b;
	double	sd_a, sd_b;
	double	diff;		/* mean_b - mean_a */
	double	se;		/* sqrt(var_a / na + var_b / nb) */
	double	t;		/* diff / se */
	double	df;		/* Welch-Satterthwaite */
	double	p;		/* two-sided, exact Student-t */
	double	ci_low;		/* 95% interval of diff */
	double	ci_high;
	double	d;		/* Cohen's d, pooled sd */
	double	j;		/* Hedges' correction 1 - 3 / (4(na + nb) - 9) */
	double	g;		/* Hedges' g = j * d */
};

/* Fills *r; returns r->ok. */
int	stats_welch(const double *, size_t, const double *, size_t,
	    struct stats_welch *);

/*
 * Small seeded PRNG: xoshiro256** seeded through splitmix64.  Same seed,
 * same stream, on every platform.
 */
struct stats_rng {
	uint64_t	s[4];
};

/* FNV-1a 64 of the bytes of a NUL-terminated string, e.g. "org/campaign". */
uint64_t	stats_seed_str(const char *);
void		stats_rng_seed(struct stats_rng *, uint64_t);
uint64_t	stats_rng_next(struct stats_rng *);
/* Uniform in [0, 1) with 53 random bits. */
double		stats_rng_uniform(struct stats_rng *);
/* Unbiased uniform integer in [0, n); 0 when n is 0. */
uint32_t	stats_rng_below(struct stats_rng *, uint32_t);

/*
 * Difference in differences for crowding-out.  Per-member outcomes U for
 * the exposed group T and the comparison group C, pre and post arrays in
 * the same member order.
 *
 *   raw    = (mean T_post - mean T_pre) - (mean C_post - mean C_pre)
 *   sd_pre = pooled within-group sd of the pre values of T and C
 *   effect = raw / sd_pre, only when sd_pre > 0 (standardized = 1)
 *
 * The 95% interval is a percentile bootstrap that resamples members
 * within each group with replacement (a member's pre and post stay
 * paired) and recomputes the whole statistic, sd_pre included.  It is an
 * interval of effect when standardized, of raw otherwise.  A resample
 * whose own sd_pre is 0 has no standardized effect and is dropped;
 * nboot_used counts the rest, and ci_ok requires at least 95% of the
 * resamples, since a percentile of the survivors alone would be biased.
 *
 * ok is 0 (and everything NAN) with fewer than 2 members in a group, more
 * than UINT32_MAX members, or a value that is not finite.
 */
struct stats_did {
	int		ok;
	size_t		n_t, n_c;
	double		t_pre, t_post;	/* group means */
	double		c_pre, c_post;
	double		raw;
	double		sd_pre;
	int		standardized;	/* sd_pre > 0 */
	double		effect;		/* raw / sd_pre, or NAN */
	int		ci_ok;
	double		ci_low, ci_high;
	unsigned int	nboot;		/* resamples drawn */
	unsigned int	nboot_used;	/* resamples with a defined value */
};

/*
 * t_pre, t_post, n_t, c_pre, c_post, n_c, nboot (0 means
 * STATS_BOOT_DEFAULT), seed (e.g. stats_seed_str("org/campaign")), result.
 * Returns -1 (errno ENOMEM) when the bootstrap buffer cannot be
 * allocated, otherwise 0 with the result's flags telling what is defined.
 */
int	stats_did(const double *, const double *, size_t,
	    const double *, const double *, size_t,
	    unsigned int, uint64_t, struct stats_did *);

enum stats_co_verdict {
	STATS_CO_INSUFFICIENT_DATA,
	STATS_CO_PENDING,
	STATS_CO_CROWDING_OUT,
	STATS_CO_CROWDING_IN,
	STATS_CO_INCONCLUSIVE
};

/*
 * n_t, n_c, ci_low, ci_high, post_complete.  Fewer than STATS_CO_MIN_N
 * members is checked first, because more time will not fix it; an
 * interval with a NAN bound gives inconclusive.
 */
enum stats_co_verdict	stats_co_verdict(size_t, size_t, double, double, int);
/* "insufficient_data", "pending", "crowding_out", ... */
const char		*stats_co_verdict_name(enum stats_co_verdict);

enum stats_belief_verdict {
	STATS_BELIEF_INSUFFICIENT_DATA,
	STATS_BELIEF_SUPPORTED,
	STATS_BELIEF_CONTRADICTED,
	STATS_BELIEF_INCONCLUSIVE
};

/*
 * Welch result of after (b) against before (a), expected direction
 * (> 0 increase, < 0 decrease).  The counts are the result's na and nb.
 * A test that is not ok with enough days is inconclusive.
 */
enum stats_belief_verdict	stats_belief_verdict(const struct stats_welch *,
				    int);
/* "insufficient_data", "supported", "contradicted", "inconclusive" */
const char			*stats_belief_verdict_name(
				    enum stats_belief_verdict);

#endif /* STATS_H */
