/*
 * The results-versus-purpose indicators (shared/INDICATORS.md), computed
 * from the counts the database gathers for a window. Pure: JSON in, JSON
 * out, no I/O.
 */
#ifndef AMP_INDICATORS_H
#define AMP_INDICATORS_H

#include <jansson.h>

#define QUALITY_GROWTH_MIN	0.05	/* design choice, see INDICATORS.md */
#define ATTAINMENT_CAP		1.5
#define DIVERGENCE_AMP_DROP	0.05

/*
 * Values within this of a threshold count as on it. The indicators are
 * ratios of counts and means of them, and floating point puts noise of
 * ~1e-16 on exact ties: (1/2 + 2/3 + 1/3) / 3 is 0.49999999999999994.
 */
#define INDICATOR_EPS		1e-9

/*
 * The figures of a window that its state and a series' divergence are
 * judged on. r_uncapped is INFINITY when a `lower` KPI's actual is 0 (its
 * ratio expected / actual has no finite value): the best possible, above
 * every finite attainment.
 */
struct amp_figures {
	json_int_t	events;
	int		has_amp;
	double		amp;
	int		has_r;
	double		r;
	double		r_uncapped;
	int		has_x;
	double		x;
};

enum amp_divergence {
	DIVERGENCE_FIRST,		/* no previous bucket */
	DIVERGENCE_NO_AMP,		/* AMP null in this bucket */
	DIVERGENCE_NO_PREVIOUS_AMP,	/* AMP null in the previous one */
	DIVERGENCE_NO_RESULTS,		/* R null in either */
	DIVERGENCE_AMP_HELD,		/* AMP fell by less than 0.05, or rose */
	DIVERGENCE_RESULTS_FELL,	/* AMP fell, and so did results */
	DIVERGENCE_DIVERGED		/* AMP fell, results did not */
};

enum amp_state {
	STATE_INSUFFICIENT_DATA,
	STATE_THRIVING,
	STATE_RESULTS_CHASING,
	STATE_PURPOSE_LED,
	STATE_DISENGAGED
};

double		 period_days(const char *);
double		 attainment(const char *, double, double);
double		 attainment_uncapped(const char *, double, double);
enum amp_state	 state_of(int, double, int, double, int, double);
const char	*state_name(enum amp_state);
const char	*state_sentence(enum amp_state, const struct amp_figures *,
		    char *, size_t);
enum amp_divergence divergence_of(const struct amp_figures *,
		    const struct amp_figures *);
const char	*divergence_sentence(enum amp_divergence,
		    const struct amp_figures *, const struct amp_figures *,
		    char *, size_t);

/* One window: the database's data for it -> the indicators document. */
json_t	*indicators_window(const json_t *);

/* Renderers for GET /v1/indicators and GET /v1/indicators/series. */
json_t	*indicators_render(const json_t *, int *);
json_t	*series_render(const json_t *, int *);

#endif
