/*
 * Pure statistics for ampmeter; see stats.h.  libc and libm only.
 */

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "stats.h"

#define CF_MAXIT	100000	/* guard; worst case ~sqrt(max(a, b)) */
#define CF_EPS		1e-15
#define CF_TINY		1e-300
#define Q_RELTOL	1e-14	/* quantile bisection, relative */
#define Q_MAXDOUBLE	1100	/* bracket doublings; hi is INFINITY by then */
#define LBETA_STIRLING	100.0	/* a from which lbeta uses Stirling */
#define T_ASYM_DF	1e7	/* df from which t_p2 uses the 1/df series */
#define T_ASYM_TMAX	40.0	/* t from which that series gives p = 0 */
#define BOOT_KEEP	0.95	/* share of resamples a CI must rest on */

/* Per-group sums of one bootstrap resample. */
struct boot_acc {
	double	sumd;	/* sum of post - pre */
	double	sum;	/* sum of pre - shift */
	double	sumsq;	/* sum of (pre - shift)^2 */
	double	min;	/* of pre, to tell all-equal draws exactly */
	double	max;
};

static int	allfinite(const double *, size_t);
static double	ibeta(double, double, double, double);
static double	betacf(double, double, double);
static double	lbeta(double, double);
static double	stirling_corr(double);
static double	t_p2(double, double);
static double	t_p2_asym(double, double);
static void	welch_clear(struct stats_welch *);
static void	did_clear(struct stats_did *);
static double	group_ss(const double *, size_t, double);
static double	pooled_sd(double, double, size_t, size_t);
static void	boot_group(struct stats_rng *, const double *, const double *,
		    size_t, double, struct boot_acc *);
static double	boot_ss(const struct boot_acc *, size_t);
static int	boot_ci(const double *, const double *, size_t,
		    const double *, const double *, size_t, struct stats_did *,
		    uint64_t);
static int	cmp_double(const void *, const void *);
static double	quantile_sorted(const double *, size_t, double);
static uint64_t	splitmix64(uint64_t *);
static uint64_t	rotl(uint64_t, int);

double
stats_mean(const double *x, size_t n)
{
	double	sum = 0.0;
	size_t	i;

	if (n < 1)
		return NAN;
	for (i = 0; i < n; i++)
		sum += x[i];
	return sum / n;
}

double
stats_var(const double *x, size_t n)
{
	double	m, ss = 0.0;
	size_t	i;

	if (n < 2)
		return NAN;
	/* Two passes: sum of squares minus n*mean^2 cancels badly. */
	m = stats_mean(x, n);
	for (i = 0; i < n; i++)
		ss += (x[i] - m) * (x[i] - m);
	return ss / (n - 1);
}

double
stats_sd(const double *x, size_t n)
{
	return sqrt(stats_var(x, n));
}

static int
allfinite(const double *x, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (!isfinite(x[i]))
			return 0;
	return 1;
}

double
stats_betai(double a, double b, double x)
{
	if (!(a > 0.0) || !(b > 0.0) || !(x >= 0.0) || !(x <= 1.0))
		return NAN;
	return ibeta(a, b, x, 1.0 - x);
}

/*
 * I_x(a, b) with y = 1 - x given separately: callers that know y exactly
 * (the t distribution near t = 0 or far in the tail) keep its precision.
 */
static double
ibeta(double a, double b, double x, double y)
{
	double	lfront;

	if (x <= 0.0)
		return 0.0;
	if (y <= 0.0)
		return 1.0;
	/* Near 1, log(x) from the exact complement; a may be huge. */
	lfront = a * (x > 0.5 ? log1p(-y) : log(x)) +
	    b * (y > 0.5 ? log1p(-x) : log(y)) - lbeta(a, b);
	/* The fraction converges fast only left of the mode; else use symmetry. */
	if (x < (a + 1.0) / (a + b + 2.0))
		return exp(lfront) * betacf(a, b, x) / a;
	return 1.0 - exp(lfront) * betacf(b, a, y) / b;
}

/*
 * log B(a, b).  With a large (the t distribution at large df) the three
 * lgamma values are huge and nearly cancel, so the difference
 * lgamma(a + b) - lgamma(a) is taken from Stirling's series instead.
 */
static double
lbeta(double a, double b)
{
	double	t;

	if (a < b) {
		t = a;
		a = b;
		b = t;
	}
	if (a < LBETA_STIRLING)
		return lgamma(a) + lgamma(b) - lgamma(a + b);
	return lgamma(b) - ((a - 0.5) * log1p(b / a) + b * log(a + b) - b +
	    stirling_corr(a + b) - stirling_corr(a));
}

/* lgamma(x) - ((x - 1/2) log x - x + log(2 pi) / 2), error < 1e-17 here. */
static double
stirling_corr(double x)
{
	double	x2 = x * x;

	return (1.0 / 12.0 - (1.0 / 360.0 - 1.0 / (1260.0 * x2)) / x2) / x;
}

/* Continued fraction for I_x(a, b), modified Lentz (Numerical Recipes). */
static double
betacf(double a, double b, double x)
{
	double	aa, c, d, del, h;
	double	qab = a + b, qap = a + 1.0, qam = a - 1.0;
	int	m, m2;

	c = 1.0;
	d = 1.0 - qab * x / qap;
	if (fabs(d) < CF_TINY)
		d = CF_TINY;
	d = 1.0 / d;
	h = d;
	for (m = 1; m <= CF_MAXIT; m++) {
		m2 = 2 * m;
		aa = m * (b - m) * x / ((qam + m2) * (a + m2));
		d = 1.0 + aa * d;
		if (fabs(d) < CF_TINY)
			d = CF_TINY;
		c = 1.0 + aa / c;
		if (fabs(c) < CF_TINY)
			c = CF_TINY;
		d = 1.0 / d;
		h *= d * c;
		aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
		d = 1.0 + aa * d;
		if (fabs(d) < CF_TINY)
			d = CF_TINY;
		c = 1.0 + aa / c;
		if (fabs(c) < CF_TINY)
			c = CF_TINY;
		d = 1.0 / d;
		del = d * c;
		h *= del;
		if (fabs(del - 1.0) < CF_EPS)
			break;
	}
	return h;
}

/*
 * Two-sided p at very large df from the expansion of the t tail in 1/df
 * (the t density over the normal's, expanded and integrated term-wise):
 *   P(T > t) = Q(t) + phi(t) (g1(t) / df + g2(t) / df^2 + g3(t) / df^3)
 * There the continued fraction loses ~df * 1e-16 to the rounding of
 * x = df / (df + t^2) while the truncated series is exact to ~df^-4.
 */
static double
t_p2_asym(double t, double df)
{
	double	t2, g1, g2, g3, phi;

	t = fabs(t);
	/* p < 1e-340 underflows anyway; and g3 would overflow for huge t. */
	if (t >= T_ASYM_TMAX)
		return 0.0;
	t2 = t * t;
	g1 = (t2 + 1.0) * t / 4.0;
	g2 = (((3.0 * t2 - 7.0) * t2 - 5.0) * t2 - 3.0) * t / 96.0;
	g3 = (((((t2 - 11.0) * t2 + 14.0) * t2 + 6.0) * t2 - 3.0) * t2 -
	    15.0) * t / 384.0;
	phi = exp(-t2 / 2.0) / sqrt(2.0 * M_PI);
	return erfc(t / M_SQRT2) +
	    2.0 * phi * (g1 + (g2 + g3 / df) / df) / df;
}

/* Two-sided p for |t|, df > 0: P(|T| >= |t|) = I_{df/(df+t^2)}(df/2, 1/2). */
static double
t_p2(double t, double df)
{
	double	t2;

	if (isnan(t) || isnan(df) || !(df > 0.0))
		return NAN;
	if (isinf(t))
		return 0.0;
	if (df > T_ASYM_DF)
		return t_p2_asym(t, df);
	t2 = t * t;
	return ibeta(df / 2.0, 0.5, df / (df + t2), t2 / (df + t2));
}

double
stats_t_p2(double t, double df)
{
	return t_p2(t, df);
}

double
stats_t_cdf(double t, double df)
{
	double	half;

	half = t_p2(t, df) / 2.0;
	if (isnan(half))
		return NAN;
	return t > 0.0 ? 1.0 - half : half;
}

/*
 * Bisection on the two-sided tail: slow next to Newton but it cannot
 * diverge, and ~50 evaluations are nothing at the rates we call it.
 */
double
stats_t_quantile(double p, double df)
{
	double	lo = 0.0, hi = 1.0, mid, target;
	int	i;

	if (isnan(p) || p < 0.0 || p > 1.0 || isnan(df) || !(df > 0.0))
		return NAN;
	if (p == 0.0)
		return -INFINITY;
	if (p == 1.0)
		return INFINITY;
	if (p == 0.5)
		return 0.0;
	target = 2.0 * (p < 0.5 ? p : 1.0 - p);
	for (i = 0; i < Q_MAXDOUBLE && t_p2(hi, df) > target; i++) {
		lo = hi;
		hi *= 2.0;
	}
	while (hi - lo > Q_RELTOL * hi) {
		mid = lo + (hi - lo) / 2.0;
		if (mid <= lo || mid >= hi)
			break;
		if (t_p2(mid, df) > target)
			lo = mid;
		else
			hi = mid;
	}
	mid = lo + (hi - lo) / 2.0;
	return p < 0.5 ? -mid : mid;
}

static void
welch_clear(struct stats_welch *r)
{
	r->ok = 0;
	r->mean_a = r->mean_b = r->sd_a = r->sd_b = NAN;
	r->diff = r->se = r->t = r->df = r->p = NAN;
	r->ci_low = r->ci_high = r->d = r->j = r->g = NAN;
}

int
stats_welch(const double *a, size_t na, const double *b, size_t nb,
    struct stats_welch *r)
{
	double	va, vb, ea, eb, q, sp;

	welch_clear(r);
	r->na = na;
	r->nb = nb;
	if (na < 2 || nb < 2 || !allfinite(a, na) || !allfinite(b, nb))
		return 0;
	r->mean_a = stats_mean(a, na);
	r->mean_b = stats_mean(b, nb);
	r->diff = r->mean_b - r->mean_a;
	va = stats_var(a, na);
	vb = stats_var(b, nb);
	r->sd_a = sqrt(va);
	r->sd_b = sqrt(vb);
	ea = va / na;
	eb = vb / nb;
	if (ea + eb == 0.0)
		return 0;
	r->se = sqrt(ea + eb);
	r->t = r->diff / r->se;
	r->df = (ea + eb) * (ea + eb) /
	    (ea * ea / (na - 1) + eb * eb / (nb - 1));
	r->p = t_p2(r->t, r->df);
	q = stats_t_quantile(0.975, r->df);
	r->ci_low = r->diff - q * r->se;
	r->ci_high = r->diff + q * r->se;
	sp = sqrt(((na - 1) * va + (nb - 1) * vb) / (na + nb - 2));
	r->d = r->diff / sp;
	r->j = 1.0 - 3.0 / (4.0 * (na + nb) - 9.0);
	r->g = r->j * r->d;
	r->ok = 1;
	return 1;
}

static uint64_t
splitmix64(uint64_t *x)
{
	uint64_t	z;

	z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t
stats_seed_str(const char *s)
{
	uint64_t	h = 0xcbf29ce484222325ULL;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* splitmix64 spreads any seed, 0 included, over a nonzero state. */
void
stats_rng_seed(struct stats_rng *g, uint64_t seed)
{
	int	i;

	for (i = 0; i < 4; i++)
		g->s[i] = splitmix64(&seed);
}

uint64_t
stats_rng_next(struct stats_rng *g)
{
	uint64_t	r, t;

	r = rotl(g->s[1] * 5, 7) * 9;
	t = g->s[1] << 17;
	g->s[2] ^= g->s[0];
	g->s[3] ^= g->s[1];
	g->s[1] ^= g->s[2];
	g->s[0] ^= g->s[3];
	g->s[2] ^= t;
	g->s[3] = rotl(g->s[3], 45);
	return r;
}

double
stats_rng_uniform(struct stats_rng *g)
{
	return (stats_rng_next(g) >> 11) * 0x1.0p-53;
}

/* Lemire's multiply-shift with rejection: unbiased, rarely divides. */
uint32_t
stats_rng_below(struct stats_rng *g, uint32_t n)
{
	uint64_t	m;
	uint32_t	lo, thresh;

	if (n == 0)
		return 0;
	m = (stats_rng_next(g) >> 32) * (uint64_t)n;
	lo = (uint32_t)m;
	if (lo < n) {
		thresh = -n % n;
		while (lo < thresh) {
			m = (stats_rng_next(g) >> 32) * (uint64_t)n;
			lo = (uint32_t)m;
		}
	}
	return (uint32_t)(m >> 32);
}

static void
did_clear(struct stats_did *r)
{
	r->ok = 0;
	r->t_pre = r->t_post = r->c_pre = r->c_post = NAN;
	r->raw = r->sd_pre = r->effect = NAN;
	r->standardized = 0;
	r->ci_ok = 0;
	r->ci_low = r->ci_high = NAN;
	r->nboot = r->nboot_used = 0;
}

/* Sum of squared deviations from m. */
static double
group_ss(const double *x, size_t n, double m)
{
	double	ss = 0.0;
	size_t	i;

	for (i = 0; i < n; i++)
		ss += (x[i] - m) * (x[i] - m);
	return ss;
}

static double
pooled_sd(double ss_t, double ss_c, size_t n_t, size_t n_c)
{
	return sqrt((ss_t + ss_c) / (double)(n_t + n_c - 2));
}

int
stats_did(const double *t_pre, const double *t_post, size_t n_t,
    const double *c_pre, const double *c_post, size_t n_c,
    unsigned int nboot, uint64_t seed, struct stats_did *r)
{
	did_clear(r);
	r->n_t = n_t;
	r->n_c = n_c;
	r->nboot = nboot == 0 ? STATS_BOOT_DEFAULT : nboot;
	if (n_t < 2 || n_c < 2 || n_t > UINT32_MAX || n_c > UINT32_MAX)
		return 0;
	if (!allfinite(t_pre, n_t) || !allfinite(t_post, n_t) ||
	    !allfinite(c_pre, n_c) || !allfinite(c_post, n_c))
		return 0;
	r->t_pre = stats_mean(t_pre, n_t);
	r->t_post = stats_mean(t_post, n_t);
	r->c_pre = stats_mean(c_pre, n_c);
	r->c_post = stats_mean(c_post, n_c);
	r->raw = (r->t_post - r->t_pre) - (r->c_post - r->c_pre);
	r->sd_pre = pooled_sd(group_ss(t_pre, n_t, r->t_pre),
	    group_ss(c_pre, n_c, r->c_pre), n_t, n_c);
	r->standardized = r->sd_pre > 0.0;
	if (r->standardized)
		r->effect = r->raw / r->sd_pre;
	r->ok = 1;
	return boot_ci(t_pre, t_post, n_t, c_pre, c_post, n_c, r, seed);
}

/*
 * Draw n members of one group.  Pre values are summed around shift (the
 * group's full-sample pre mean) so the one-pass sum of squares does not
 * cancel, and no division is spent per draw.
 */
static void
boot_group(struct stats_rng *g, const double *pre, const double *post,
    size_t n, double shift, struct boot_acc *acc)
{
	double	x;
	size_t	i;
	uint32_t	k;

	acc->sumd = acc->sum = acc->sumsq = 0.0;
	acc->min = INFINITY;
	acc->max = -INFINITY;
	for (i = 0; i < n; i++) {
		k = stats_rng_below(g, (uint32_t)n);
		x = pre[k] - shift;
		acc->sumd += post[k] - pre[k];
		acc->sum += x;
		acc->sumsq += x * x;
		if (pre[k] < acc->min)
			acc->min = pre[k];
		if (pre[k] > acc->max)
			acc->max = pre[k];
	}
}

/* Within-group SS; exactly 0 for equal values, which round-off hides. */
static double
boot_ss(const struct boot_acc *acc, size_t n)
{
	if (acc->min == acc->max)
		return 0.0;
	return fmax(acc->sumsq - acc->sum * acc->sum / n, 0.0);
}

static int
boot_ci(const double *t_pre, const double *t_post, size_t n_t,
    const double *c_pre, const double *c_post, size_t n_c,
    struct stats_did *r, uint64_t seed)
{
	struct stats_rng	 g;
	struct boot_acc		 at, ac;
	double			*v, raw, ss;
	unsigned int		 b, used = 0;

	if ((v = calloc(r->nboot, sizeof(*v))) == NULL) {
		errno = ENOMEM;
		return -1;
	}
	stats_rng_seed(&g, seed);
	for (b = 0; b < r->nboot; b++) {
		boot_group(&g, t_pre, t_post, n_t, r->t_pre, &at);
		boot_group(&g, c_pre, c_post, n_c, r->c_pre, &ac);
		raw = at.sumd / n_t - ac.sumd / n_c;
		if (!r->standardized) {
			v[used++] = raw;
			continue;
		}
		ss = boot_ss(&at, n_t) + boot_ss(&ac, n_c);
		if (ss == 0.0)
			continue;
		v[used++] = raw / pooled_sd(ss, 0.0, n_t, n_c);
	}
	r->nboot_used = used;
	if (used >= 2 && used >= BOOT_KEEP * r->nboot) {
		qsort(v, used, sizeof(*v), cmp_double);
		r->ci_low = quantile_sorted(v, used, 0.025);
		r->ci_high = quantile_sorted(v, used, 0.975);
		r->ci_ok = 1;
	}
	free(v);
	return 0;
}

static int
cmp_double(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Linear interpolation between order statistics (R type 7). */
static double
quantile_sorted(const double *x, size_t n, double p)
{
	double	h, f;
	size_t	i;

	h = (n - 1) * p;
	f = floor(h);
	i = (size_t)f;
	if (i + 1 >= n)
		return x[n - 1];
	return x[i] + (h - f) * (x[i + 1] - x[i]);
}

enum stats_co_verdict
stats_co_verdict(size_t n_t, size_t n_c, double lo, double hi,
    int post_complete)
{
	if (n_t < STATS_CO_MIN_N || n_c < STATS_CO_MIN_N)
		return STATS_CO_INSUFFICIENT_DATA;
	if (!post_complete)
		return STATS_CO_PENDING;
	if (isnan(lo) || isnan(hi))
		return STATS_CO_INCONCLUSIVE;
	if (hi < 0.0)
		return STATS_CO_CROWDING_OUT;
	if (lo > 0.0)
		return STATS_CO_CROWDING_IN;
	return STATS_CO_INCONCLUSIVE;
}

const char *
stats_co_verdict_name(enum stats_co_verdict v)
{
	switch (v) {
	case STATS_CO_INSUFFICIENT_DATA:
		return "insufficient_data";
	case STATS_CO_PENDING:
		return "pending";
	case STATS_CO_CROWDING_OUT:
		return "crowding_out";
	case STATS_CO_CROWDING_IN:
		return "crowding_in";
	case STATS_CO_INCONCLUSIVE:
		return "inconclusive";
	}
	return "inconclusive";
}

enum stats_belief_verdict
stats_belief_verdict(const struct stats_welch *w, int direction)
{
	if (w->na < STATS_BELIEF_MIN_N || w->nb < STATS_BELIEF_MIN_N)
		return STATS_BELIEF_INSUFFICIENT_DATA;
	if (!w->ok || direction == 0 || !(w->p < STATS_ALPHA))
		return STATS_BELIEF_INCONCLUSIVE;
	if ((w->diff > 0.0 && direction > 0) ||
	    (w->diff < 0.0 && direction < 0))
		return STATS_BELIEF_SUPPORTED;
	return STATS_BELIEF_CONTRADICTED;
}

const char *
stats_belief_verdict_name(enum stats_belief_verdict v)
{
	switch (v) {
	case STATS_BELIEF_INSUFFICIENT_DATA:
		return "insufficient_data";
	case STATS_BELIEF_SUPPORTED:
		return "supported";
	case STATS_BELIEF_CONTRADICTED:
		return "contradicted";
	case STATS_BELIEF_INCONCLUSIVE:
		return "inconclusive";
	}
	return "inconclusive";
}
