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

enum amp_state {
	STATE_INSUFFICIENT_DATA,
	STATE_THRIVING,
	STATE_RESULTS_CHASING,
	STATE_PURPOSE_LED,
	STATE_DISENGAGED
};

double		 period_days(const char *);
double		 attainment(const char *, double, double);
enum amp_state	 state_of(int, double, int, double, int, double);
const char	*state_name(enum amp_state);

/* One window: the database's data for it -> the indicators document. */
json_t	*indicators_window(const json_t *);

/* Renderers for GET /v1/indicators and GET /v1/indicators/series. */
json_t	*indicators_render(const json_t *, int *);
json_t	*series_render(const json_t *, int *);

#endif
