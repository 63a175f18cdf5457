/*
 * Request bodies of the survey resources: instrument definitions,
 * response batches and org settings.  Only what the body alone decides is
 * checked here; whether an answer names an item of its instrument, fits
 * the scale and covers half of a subscale needs the stored definition and
 * is checked by the ingest statement.
 */
#ifndef AMP_SURVEY_CHECK_H
#define AMP_SURVEY_CHECK_H

#include <jansson.h>

#include "timeparse.h"
#include "validate.h"

#define SURVEY_BATCH_MAX	500
#define SURVEY_ITEMS_MAX	200
#define SURVEY_POINTS_MAX	11	/* max - min + 1 */
#define SURVEY_SCALE_BOUND	1000	/* |min|, |max| at most this */
#define SURVEY_WEIGHT_BOUND	100	/* |index weight| at most this */
#define SURVEY_MIN_GROUP_LOW	3	/* anonymity floor, never lower */
#define SURVEY_MIN_GROUP_HIGH	1000
#define SURVEY_MIN_GROUP_DEFAULT 5

/* Return 0 when valid; otherwise -1 with every problem found. */
int	instrument_check(const json_t *, amp_usec, struct problems *);
int	response_batch_check(const json_t *, amp_usec, struct problems *);
int	settings_check(const json_t *, amp_usec, struct problems *);

#endif
