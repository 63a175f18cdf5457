/*
 * Survey scoring for ampmeter: reverse keying, subscale scores with the
 * half-answered rule, Cronbach's alpha, Spearman-Brown and weighted
 * indices such as the Relative Autonomy Index.
 *
 * Answers are doubles with NAN for a missing answer.  A respondent's
 * answers are one array indexed like the instrument's items; several
 * respondents are those arrays back to back (row-major, nresp x nitems).
 * Functions returning int return 1 when the result is defined and 0 when
 * it is not, in which case the output is NAN.  No I/O, no state.
 */

#ifndef SURVEY_H
#define SURVEY_H

#include <stddef.h>

#define SURVEY_ALPHA_MIN	0.70	/* below this a subscale is flagged */
#define SURVEY_RAI_N		4

/* Indices of the four RAI subscales in the array given to survey_rai(). */
enum survey_rai_sub {
	SURVEY_RAI_INTRINSIC,
	SURVEY_RAI_IDENTIFIED,
	SURVEY_RAI_INTROJECTED,
	SURVEY_RAI_EXTERNAL
};

struct survey_scale {
	double	min, max;
};

struct survey_item {
	size_t	subscale;	/* 0-based subscale index */
	int	reverse;	/* scored min + max - x */
};

struct survey_instrument {
	struct survey_scale		 scale;
	const struct survey_item	*items;
	size_t				 nitems;
};

/* Ryan & Connell (1989): 2, 1, -1, -2. */
extern const double	survey_rai_default[SURVEY_RAI_N];

/*
 * Scored value of answer x: x, or min + max - x when reverse.  NAN when
 * x is NAN, outside [min, max], or the scale is empty (min >= max); an
 * out-of-range answer is treated as missing rather than scored.
 */
double	survey_item_score(const struct survey_scale *, int, double);

/*
 * Score of one subscale for one respondent: the mean of its answered
 * (scored) items when at least half of its items are answered.  A
 * subscale with no items is undefined.
 */
int	survey_subscale(const struct survey_instrument *, const double *,
	    size_t, double *);

/*
 * Scores of subscales 0 .. nsub - 1 for one respondent into scores[];
 * returns how many are defined.
 */
size_t	survey_score(const struct survey_instrument *, const double *,
	    double *, size_t);

/*
 * Cronbach's alpha of an nresp x k row-major matrix of already scored
 * answers: k / (k - 1) * (1 - sum var(item) / var(total)) with sample
 * variances over complete rows (a row with a NAN is skipped); for k == 2
 * Spearman-Brown of the items' Pearson r.  Undefined with k < 2, fewer
 * than 2 complete rows, var(total) == 0, or (k == 2) an item of
 * variance 0.
 */
int	survey_alpha(const double *, size_t, size_t, double *);

/*
 * Alpha of one subscale from raw answers (nresp x nitems): items are
 * scored (reverse keying; out of range counts as missing) and only
 * respondents who answered every item of the subscale count.  Same
 * undefined cases as survey_alpha().
 */
int	survey_alpha_subscale(const struct survey_instrument *,
	    const double *, size_t, size_t, double *);

/* Spearman-Brown 2r / (1 + r); NAN when r is outside (-1, 1]. */
double	survey_spearman_brown(double);

/* 1 when alpha is defined and below SURVEY_ALPHA_MIN. */
int	survey_alpha_low(double);

/*
 * Weighted index sum(weights[i] * scores[i]) over n subscales.  A
 * subscale with weight 0 is not part of the index and may be undefined;
 * any other undefined subscale, or no nonzero weight at all, makes the
 * index undefined.
 */
int	survey_index(const double *, const double *, size_t, double *);

/*
 * Relative Autonomy Index of scores[SURVEY_RAI_N] in enum survey_rai_sub
 * order; weights NULL means survey_rai_default.
 */
int	survey_rai(const double *, const double *, double *);

#endif /* SURVEY_H */
