/*
 * The survey summary document, computed from what the summary statement
 * gathered: the instrument, the org's anonymity minimum, the number of
 * members in the group, and every respondent's latest answers in the
 * window with the filter groups the respondent belongs to.
 *
 * Input (the SQL function's 200 body):
 *   { "instrument": { "id", "scale": {"min", "max"},
 *                     "items": [{"id", "subscale", "reverse"}, ...],
 *                     "index": {subscale: weight} | null },
 *     "from", "to", "channel": s | null, "campaign": s | null,
 *     "min_group": k, "members": n,
 *     "respondents": [{"m": groups, "a": [answer | null, ...]}, ...] }
 * "a" follows the order of "items".  "m" has SUMMARY_IN_CHANNEL set when
 * the respondent had events on the channel in the window (or no channel
 * filter is given), SUMMARY_IN_CAMPAIGN likewise; every respondent of
 * the window is listed, so that each coarser query (a filter dropped)
 * can be counted too.
 *
 * Anonymity: a statistic over the filtered group is shown only when it
 * rests on at least k respondents and, against every coarser query, the
 * respondents it leaves out number 0 or at least k; otherwise the
 * difference of two answers would describe fewer than k people.
 */
#ifndef AMP_SUMMARY_H
#define AMP_SUMMARY_H

#include <stddef.h>

#include <jansson.h>

#define SUMMARY_IN_CHANNEL	0x01
#define SUMMARY_IN_CAMPAIGN	0x02

enum summary_disclosure {
	SUMMARY_SHOWN,
	SUMMARY_SMALL_GROUP,		/* fewer than k in the group */
	SUMMARY_SMALL_COMPLEMENT	/* 1..k-1 left out of a coarser query */
};

/*
 * Whether a statistic may be shown.  groups[r] are the respondents'
 * membership bits, counted[r] nonzero when the statistic is defined for
 * respondent r, filters the bits of the filters in force, k the minimum.
 * *n gets the number of respondents of the filtered group it rests on.
 */
enum summary_disclosure	summary_disclosure(const unsigned *,
			    const unsigned char *, size_t, unsigned, size_t,
			    size_t *);

/* Renderer for GET /v1/surveys/summary; NULL when the input is malformed. */
json_t	*survey_summary(const json_t *, int *);

#endif
