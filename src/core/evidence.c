#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evidence.h"
#include "indicators.h"
#include "stats.h"

static json_t	*number_or_null(int, double);
static json_t	*group_summary(const double *, const double *, size_t);
static size_t	 columns(const json_t *, const char *const *, size_t,
		    double **);
static const char *impact_sentence(enum stats_co_verdict, const
		    struct stats_did *, char *, size_t);
static json_t	*belief_evaluate(const json_t *);

static json_t *
number_or_null(int ok, double v)
{
	return (ok && isfinite(v) ? json_real(v) : json_null());
}

/*
 * Copies the named columns of a group ({"name": [one number per member],
 * ...}) into freshly allocated double arrays; returns the member count.
 * A column that is missing or of another length is left NULL.
 */
static size_t
columns(const json_t *group, const char *const *names, size_t ncols,
    double **out)
{
	const json_t	*col, *v;
	size_t		 i, c, n;

	n = json_array_size(json_object_get(group, names[0]));
	for (c = 0; c < ncols; c++) {
		col = json_object_get(group, names[c]);
		if (!json_is_array(col) || json_array_size(col) != n) {
			out[c] = NULL;
			continue;
		}
		if ((out[c] = calloc(n ? n : 1, sizeof(double))) == NULL)
			continue;
		json_array_foreach(col, i, v)
			out[c][i] = json_number_value(v);
	}
	return (n);
}

static json_t *
group_summary(const double *pre, const double *post, size_t n)
{
	return (json_pack("{s:I, s:{s:o, s:o}, s:{s:o, s:o}}",
	    "members", (json_int_t)n,
	    "pre", "mean", number_or_null(n > 0, stats_mean(pre, n)),
	    "sd", number_or_null(n > 1, stats_sd(pre, n)),
	    "post", "mean", number_or_null(n > 0, stats_mean(post, n)),
	    "sd", number_or_null(n > 1, stats_sd(post, n))));
}

/*
 * On the raw scale (sd_pre = 0) the effect is the raw difference (effect
 * is NAN there), with one more decimal. The interval is said as
 * magnitudes in the sentence's direction: "0.40 less (95% interval 0.25
 * to 0.55 less)".
 */
static const char *
impact_sentence(enum stats_co_verdict v, const struct stats_did *r,
    char *buf, size_t len)
{
	const char	*unit;
	double		 effect;
	int		 prec;

	unit = r->standardized ? "standard deviations" :
	    "free-choice events per member-day";
	effect = r->standardized ? r->effect : r->raw;
	prec = r->standardized ? 2 : 3;
	switch (v) {
	case STATS_CO_INSUFFICIENT_DATA:
		return ("Too few members to judge: at least 5 exposed and 5 "
		    "comparison members are needed.");
	case STATS_CO_PENDING:
		return ("Wait for the verdict: the campaign is still running "
		    "or its after-window has not ended yet.");
	case STATS_CO_CROWDING_OUT:
		(void)snprintf(buf, len, "After the campaign, exposed members "
		    "chose to engage on their own %.*f %s less than comparable "
		    "members (95%% interval %.*f to %.*f less): the incentive "
		    "appears to have crowded out intrinsic engagement.",
		    prec, -effect, unit, prec, -r->ci_high, prec, -r->ci_low);
		return (buf);
	case STATS_CO_CROWDING_IN:
		(void)snprintf(buf, len, "After the campaign, exposed members "
		    "chose to engage on their own %.*f %s more than comparable "
		    "members (95%% interval %.*f to %.*f more): the campaign "
		    "appears to have strengthened intrinsic engagement.",
		    prec, effect, unit, prec, r->ci_low, prec, r->ci_high);
		return (buf);
	default:
		return ("No clear effect: the data fit both a loss and a gain "
		    "in members' self-chosen engagement after the campaign.");
	}
}

/*
 * What amp.campaign_impact sends per group: one value per member, in
 * member order. Free-choice events per day before and after the campaign
 * (both groups); for the exposed, active events per day before and during
 * it, and the active events under pressure and all active events during.
 */
static const char *const exposed_columns[] = {
	"free_choice_pre_per_day", "free_choice_post_per_day",
	"active_pre_per_day", "active_during_per_day", "pressure_during",
	"active_during"
};
static const char *const comparison_columns[] = {
	"free_choice_pre_per_day", "free_choice_post_per_day"
};

json_t *
impact_render(const json_t *d, int *status)
{
	struct stats_did	 r;
	enum stats_co_verdict	 v;
	double			*t[6], *c[2];
	double			 pre_rate, during_rate, pressure, active;
	size_t			 nt, nc, i;
	json_t			*doc;
	char			 buf[400];
	int			 ok;

	*status = 200;
	nt = columns(json_object_get(d, "exposed"), exposed_columns, 6, t);
	nc = columns(json_object_get(d, "comparison"), comparison_columns, 2,
	    c);
	memset(&r, 0, sizeof(r));
	ok = t[0] != NULL && t[1] != NULL && t[2] != NULL && t[3] != NULL &&
	    t[4] != NULL && t[5] != NULL && c[0] != NULL && c[1] != NULL &&
	    stats_did(t[0], t[1], nt, c[0],
	    c[1], nc, IMPACT_RESAMPLES, stats_seed_str(json_string_value(
	    json_object_get(d, "seed"))), &r) == 0;
	if (!ok) {
		for (i = 0; i < 6; i++)
			free(t[i]);
		free(c[0]);
		free(c[1]);
		return (NULL);
	}
	v = stats_co_verdict(nt, nc, r.ci_ok ? r.ci_low : NAN,
	    r.ci_ok ? r.ci_high : NAN,
	    json_is_true(json_object_get(d, "post_complete")));

	pre_rate = nt ? stats_mean(t[2], nt) : 0;
	during_rate = nt ? stats_mean(t[3], nt) : 0;
	/* Event counts: the database sums them as float8, 28.0 is 28. */
	pressure = active = 0;
	for (i = 0; i < nt; i++) {
		pressure += t[4][i];
		active += t[5][i];
	}

	doc = json_pack("{s:O, s:O, s:{s:O, s:O, s:O}, s:O, "
	    "s:{s:o, s:o}, "
	    "s:{s:o, s:o, s:o, s:b, s:{s:o, s:o, s:f, s:I, s:s}}, "
	    "s:{s:o, s:f, s:f}, s:{s:o, s:I, s:I}, "
	    "s:{s:f, s:f, s:f, s:s}, s:s, s:s}",
	    "campaign", json_object_get(d, "campaign"),
	    "window_days", json_object_get(d, "window_days"),
	    "windows", "pre", json_object_get(d, "pre"), "during",
	    json_object_get(d, "during"), "post", json_object_get(d, "post"),
	    "post_complete", json_object_get(d, "post_complete"),
	    "groups", "exposed", group_summary(t[0], t[1], nt),
	    "comparison", group_summary(c[0], c[1], nc),
	    "effect", "standardized", number_or_null(r.ok && r.standardized,
	    r.effect), "raw", number_or_null(r.ok, r.raw),
	    "sd_pre", number_or_null(r.ok, r.sd_pre),
	    "standardized_available", r.ok && r.standardized,
	    "interval", "low", number_or_null(r.ci_ok, r.ci_low),
	    "high", number_or_null(r.ci_ok, r.ci_high), "level", 0.95,
	    "resamples", (json_int_t)IMPACT_RESAMPLES,
	    "scale", r.standardized ? "standardized" : "raw",
	    "lift", "value", number_or_null(pre_rate > 0,
	    during_rate / pre_rate - 1), "exposed_active_per_member_day_pre",
	    pre_rate, "exposed_active_per_member_day_during", during_rate,
	    "incentivized_share", "value", number_or_null(active > 0,
	    pressure / active), "incentivized", (json_int_t)llround(pressure),
	    "active", (json_int_t)llround(active),
	    "reference", "tangible_engagement_contingent", -0.40,
	    "tangible_performance_contingent", -0.28, "verbal_praise", 0.33,
	    "source", "Deci, Koestner & Ryan (1999), Psychological Bulletin "
	    "125(6); laboratory studies, standardized mean differences",
	    "verdict", stats_co_verdict_name(v),
	    "explanation", impact_sentence(v, &r, buf, sizeof(buf)));
	if (doc != NULL)
		json_object_set(doc, "timezone", json_object_get(d,
		    "timezone"));
	for (i = 0; i < 6; i++)
		free(t[i]);
	free(c[0]);
	free(c[1]);
	return (doc);
}

/*
 * free_choice_rate is the org's free-choice events per day of the window.
 * A window without a single event of any kind is no data, as for every
 * other indicator (INDICATORS.md: never a made-up 0): counting such days
 * as 0 would let days before the org sent anything, or a collector
 * outage, decide the verdict.
 */
int
belief_value(const json_t *doc, const char *indicator, double *out)
{
	const json_t	*v, *counts;
	double		 days;

	if (strcmp(indicator, "free_choice_rate") == 0) {
		counts = json_object_get(doc, "counts");
		v = json_object_get(counts, "free_choice");
		/* Real elapsed days: a DST day is 23 or 25 hours. */
		days = json_number_value(json_object_get(json_object_get(doc,
		    "window"), "days"));
		if (!json_is_integer(v) || days <= 0 ||
		    json_integer_value(json_object_get(counts, "events")) <= 0)
			return (0);
		*out = (double)json_integer_value(v) / days;
		return (1);
	}
	v = json_object_get(json_object_get(doc, indicator), "value");
	if (!json_is_number(v))
		return (0);
	*out = json_number_value(v);
	return (1);
}

static json_t *
side_summary(const double *x, size_t n)
{
	return (json_pack("{s:I, s:o, s:o}", "days", (json_int_t)n,
	    "mean", number_or_null(n > 0, stats_mean(x, n)),
	    "sd", number_or_null(n > 1, stats_sd(x, n))));
}

/* Welch's test of the indicator's daily values, before vs after. */
static json_t *
belief_evaluate(const json_t *b)
{
	struct stats_welch	 w;
	enum stats_belief_verdict v;
	const json_t		*day;
	const char		*indicator, *cp, *to;
	json_t			*doc, *out;
	double			*before, *after, x;
	size_t			 n, nb, na, i;

	indicator = json_string_value(json_object_get(b, "indicator"));
	cp = json_string_value(json_object_get(b, "change_point"));
	n = json_array_size(json_object_get(b, "days"));
	before = calloc(n + 1, sizeof(double));
	after = calloc(n + 1, sizeof(double));
	if (before == NULL || after == NULL || indicator == NULL) {
		free(before);
		free(after);
		return (NULL);
	}
	nb = na = 0;
	json_array_foreach(json_object_get(b, "days"), i, day) {
		if ((doc = indicators_window(day)) == NULL)
			continue;
		/*
		 * A day ending at or before the change point is before it:
		 * both are instants as amp.day_ts writes them (UTC, to the
		 * second), whose text orders as they do.
		 */
		to = json_string_value(json_object_get(day, "to"));
		if (belief_value(doc, indicator, &x)) {
			if (to != NULL && cp != NULL && strcmp(to, cp) <= 0)
				before[nb++] = x;
			else
				after[na++] = x;
		}
		json_decref(doc);
	}
	(void)stats_welch(before, nb, after, na, &w);
	v = stats_belief_verdict(&w, strcmp(json_string_value(
	    json_object_get(b, "expect")), "increase") == 0 ? 1 : -1);
	out = json_pack("{s:o, s:o, s:o, s:{s:o, s:o, s:f}, s:o, s:o, s:o, "
	    "s:o, s:s}",
	    "before", side_summary(before, nb),
	    "after", side_summary(after, na),
	    "difference", number_or_null(nb > 0 && na > 0, w.diff),
	    "interval", "low", number_or_null(w.ok, w.ci_low),
	    "high", number_or_null(w.ok, w.ci_high), "level", 0.95,
	    "t", number_or_null(w.ok, w.t), "df", number_or_null(w.ok, w.df),
	    "p", number_or_null(w.ok, w.p),
	    "hedges_g", number_or_null(w.ok, w.g),
	    "verdict", stats_belief_verdict_name(v));
	free(before);
	free(after);
	return (out);
}

/*
 * The belief as answered: its evaluation, or the one kept for it when it
 * still holds (amp.belief_answers). A change to what this answers must
 * come with a migration emptying amp.belief_memo.
 */
static json_t *
belief_doc(const json_t *b)
{
	json_t		*doc, *ev;
	const char	*key;
	json_t		*val;

	if ((doc = json_object_get(b, "kept")) != NULL)
		return (json_incref(doc));
	if ((ev = belief_evaluate(b)) == NULL)
		return (NULL);
	doc = json_object();
	json_object_foreach((json_t *)b, key, val) {
		if (strcmp(key, "days") != 0 && strcmp(key, "stamp") != 0)
			json_object_set(doc, key, val);
	}
	json_object_set_new(doc, "evaluation", ev);
	return (doc);
}

/* Adds {belief, stamp, doc} to keep when b was evaluated, not kept. */
static void
belief_keep_one(json_t *keep, const json_t *b, const json_t *doc)
{
	const json_t	*stamp = json_object_get(b, "stamp");

	if (json_is_string(stamp))
		json_array_append_new(keep, json_pack("{s:O, s:O, s:O}",
		    "belief", json_object_get(b, "id"), "stamp", stamp,
		    "doc", doc));
}

static json_t *
keep_or_null(json_t *keep)
{
	if (json_array_size(keep) > 0)
		return (keep);
	json_decref(keep);
	return (NULL);
}

json_t *
belief_keep(const json_t *d, const json_t *doc)
{
	json_t	*keep = json_array();

	belief_keep_one(keep, d, doc);
	return (keep_or_null(keep));
}

json_t *
beliefs_keep(const json_t *d, const json_t *doc)
{
	json_t	*keep = json_array();
	size_t	 i;
	const json_t *b, *list = json_object_get(doc, "data");

	json_array_foreach(json_object_get(d, "data"), i, b)
		belief_keep_one(keep, b, json_array_get(list, i));
	return (keep_or_null(keep));
}

json_t *
belief_render(const json_t *d, int *status)
{
	(void)status;	/* 200 or 201, as the database said */
	return (belief_doc(d));
}

json_t *
beliefs_render(const json_t *d, int *status)
{
	json_t	*list, *b, *doc;
	size_t	 i;

	*status = 200;
	list = json_array();
	json_array_foreach(json_object_get(d, "data"), i, b) {
		if ((doc = belief_doc(b)) == NULL) {
			json_decref(list);
			return (NULL);
		}
		json_array_append_new(list, doc);
	}
	return (json_pack("{s:o, s:O}", "data", list, "next_cursor",
	    json_object_get(d, "next_cursor")));
}
