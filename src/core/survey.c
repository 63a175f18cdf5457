/*
 * Survey scoring for ampmeter; see survey.h.  libc and libm only.
 */

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "survey.h"

#define TOTAL	SIZE_MAX	/* column index meaning "row sum" */

/*
 * The columns alpha works on: every column of a plain matrix, or the
 * scored items of one subscale of raw answers.
 */
struct view {
	const double			*m;	/* nrow x ncol, row-major */
	size_t				 nrow, ncol;
	const struct survey_instrument	*ins;	/* NULL: plain matrix */
	size_t				 sub;
};

const double	survey_rai_default[SURVEY_RAI_N] = { 2.0, 1.0, -1.0, -2.0 };

static int	col_in(const struct view *, size_t);
static double	cell(const struct view *, size_t, size_t);
static double	value(const struct view *, size_t, size_t);
static int	row_complete(const struct view *, size_t);
static double	cov(const struct view *, size_t, size_t, size_t);
static int	alpha_view(const struct view *, double *);
static int	undefined(double *);

static int
undefined(double *out)
{
	*out = NAN;
	return 0;
}

double
survey_item_score(const struct survey_scale *s, int reverse, double x)
{
	if (!(s->min < s->max) || !(x >= s->min && x <= s->max))
		return NAN;
	return reverse ? s->min + s->max - x : x;
}

int
survey_subscale(const struct survey_instrument *ins, const double *ans,
    size_t sub, double *score)
{
	double	x, sum = 0.0;
	size_t	i, k = 0, answered = 0;

	for (i = 0; i < ins->nitems; i++) {
		if (ins->items[i].subscale != sub)
			continue;
		k++;
		x = survey_item_score(&ins->scale, ins->items[i].reverse,
		    ans[i]);
		if (isnan(x))
			continue;
		answered++;
		sum += x;
	}
	if (k == 0 || answered * 2 < k)
		return undefined(score);
	*score = sum / answered;
	return 1;
}

size_t
survey_score(const struct survey_instrument *ins, const double *ans,
    double *scores, size_t nsub)
{
	size_t	s, defined = 0;

	for (s = 0; s < nsub; s++)
		defined += survey_subscale(ins, ans, s, &scores[s]);
	return defined;
}

static int
col_in(const struct view *v, size_t c)
{
	return v->ins == NULL || v->ins->items[c].subscale == v->sub;
}

static double
cell(const struct view *v, size_t r, size_t c)
{
	double	x = v->m[r * v->ncol + c];

	if (v->ins == NULL)
		return isfinite(x) ? x : NAN;
	return survey_item_score(&v->ins->scale, v->ins->items[c].reverse, x);
}

/* Cell value, or the row's sum over the view's columns for TOTAL. */
static double
value(const struct view *v, size_t r, size_t c)
{
	double	sum = 0.0;
	size_t	j;

	if (c != TOTAL)
		return cell(v, r, c);
	for (j = 0; j < v->ncol; j++)
		if (col_in(v, j))
			sum += cell(v, r, j);
	return sum;
}

static int
row_complete(const struct view *v, size_t r)
{
	return !isnan(value(v, r, TOTAL));
}

/*
 * Sample covariance of two columns over the n complete rows.  Values are
 * shifted by the first complete row's, so columns of identical values
 * give exactly 0 instead of round-off that would pass a == 0 test.
 */
static double
cov(const struct view *v, size_t n, size_t c1, size_t c2)
{
	double	k1 = 0.0, k2 = 0.0, s1 = 0.0, s2 = 0.0, ss = 0.0, x, y;
	size_t	r;
	int	first = 1;

	for (r = 0; r < v->nrow; r++) {
		if (!row_complete(v, r))
			continue;
		x = value(v, r, c1);
		y = value(v, r, c2);
		if (first) {
			k1 = x;
			k2 = y;
			first = 0;
		}
		s1 += x - k1;
		s2 += y - k2;
	}
	s1 /= n;
	s2 /= n;
	for (r = 0; r < v->nrow; r++) {
		if (!row_complete(v, r))
			continue;
		ss += (value(v, r, c1) - k1 - s1) * (value(v, r, c2) - k2 - s2);
	}
	return ss / (n - 1);
}

static int
alpha_view(const struct view *v, double *alpha)
{
	double	vt, vi, rho, sumvi = 0.0;
	size_t	c[2], r, j, k = 0, n = 0;

	for (j = 0; j < v->ncol; j++) {
		if (!col_in(v, j))
			continue;
		if (k < 2)
			c[k] = j;
		k++;
	}
	for (r = 0; r < v->nrow; r++)
		n += row_complete(v, r);
	if (k < 2 || n < 2)
		return undefined(alpha);
	vt = cov(v, n, TOTAL, TOTAL);
	if (vt <= 0.0)
		return undefined(alpha);
	if (k == 2) {
		vi = cov(v, n, c[0], c[0]) * cov(v, n, c[1], c[1]);
		if (vi <= 0.0)
			return undefined(alpha);
		/* Round-off can push a perfect correlation past 1. */
		rho = fmin(cov(v, n, c[0], c[1]) / sqrt(vi), 1.0);
		*alpha = survey_spearman_brown(rho);
		return !isnan(*alpha);
	}
	for (j = 0; j < v->ncol; j++)
		if (col_in(v, j))
			sumvi += cov(v, n, j, j);
	*alpha = (double)k / (k - 1) * (1.0 - sumvi / vt);
	return 1;
}

int
survey_alpha(const double *m, size_t nresp, size_t k, double *alpha)
{
	struct view	v = { m, nresp, k, NULL, 0 };

	return alpha_view(&v, alpha);
}

int
survey_alpha_subscale(const struct survey_instrument *ins, const double *ans,
    size_t nresp, size_t sub, double *alpha)
{
	struct view	v = { ans, nresp, ins->nitems, ins, sub };

	return alpha_view(&v, alpha);
}

double
survey_spearman_brown(double r)
{
	if (!(r > -1.0 && r <= 1.0))
		return NAN;
	return 2.0 * r / (1.0 + r);
}

int
survey_alpha_low(double alpha)
{
	return !isnan(alpha) && alpha < SURVEY_ALPHA_MIN;
}

int
survey_index(const double *scores, const double *w, size_t n, double *out)
{
	double	sum = 0.0;
	size_t	i, used = 0;

	for (i = 0; i < n; i++) {
		if (w[i] == 0.0)
			continue;
		if (!isfinite(w[i]) || !isfinite(scores[i]))
			return undefined(out);
		sum += w[i] * scores[i];
		used++;
	}
	if (used == 0)
		return undefined(out);
	*out = sum;
	return 1;
}

int
survey_rai(const double *scores, const double *w, double *out)
{
	return survey_index(scores, w != NULL ? w : survey_rai_default,
	    SURVEY_RAI_N, out);
}
