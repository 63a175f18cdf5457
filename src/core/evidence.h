/*
 * Evidence: the crowding-out analysis of a campaign and the test of a
 * belief, from the figures the database gathers. Pure: JSON in, JSON out.
 */
#ifndef AMP_EVIDENCE_H
#define AMP_EVIDENCE_H

#include <jansson.h>

#define IMPACT_RESAMPLES	2000

json_t	*impact_render(const json_t *, int *);
json_t	*belief_render(const json_t *, int *);
json_t	*beliefs_render(const json_t *, int *);
/* What of a belief's answer to keep (api.h): those evaluated, not kept. */
json_t	*belief_keep(const json_t *, const json_t *);
json_t	*beliefs_keep(const json_t *, const json_t *);

/* The indicator's value in one day's indicators document, if defined. */
int	 belief_value(const json_t *, const char *, double *);

#endif
