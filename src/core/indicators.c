#include <math.h>
#include <stdio.h>
#include <string.h>

#include "indicators.h"

static json_int_t	count_of(const json_t *, const char *);
static json_t		*share(json_int_t, json_int_t, json_int_t);
static json_t		*mastery(const json_t *, json_int_t);
static json_t		*results(const json_t *, double, double *);
static json_t		*amp_of(const json_t *, const json_t *, const json_t *,
			    json_int_t);
static int		 value_of(const json_t *, double *);
static json_t		*finite_or_null(double);
static double		 shown_down(double, double);
static double		 shown_up(double, double);
static const char	*results_phrase(const struct amp_figures *, char *,
			    size_t);
static int		 results_held(double, double);
static json_t		*window_doc(const json_t *, struct amp_figures *);

static json_int_t
count_of(const json_t *obj, const char *key)
{
	return (json_integer_value(json_object_get(obj, key)));
}

static int
value_of(const json_t *indicator, double *out)
{
	const json_t	*v;

	v = json_object_get(indicator, "value");
	if (!json_is_number(v))
		return (0);
	*out = json_number_value(v);
	return (1);
}

/*
 * A share num/den with the counts it rests on. An empty denominator is
 * `no_data` when the window holds no events at all, else
 * `insufficient_data`: never a made-up 0.
 */
static json_t *
share(json_int_t num, json_int_t den, json_int_t events)
{
	if (den == 0)
		return (json_pack("{s:n, s:s, s:I, s:I}", "value", "reason",
		    events == 0 ? "no_data" : "insufficient_data",
		    "numerator", num, "denominator", den));
	return (json_pack("{s:f, s:I, s:I}", "value", (double)num / den,
	    "numerator", num, "denominator", den));
}

static json_t *
mastery(const json_t *m, json_int_t events)
{
	json_t	*q, *l, *doc;
	double	 sum, v;
	int	 n;

	q = share(count_of(m, "quality_improved"), count_of(m,
	    "quality_members"), events);
	l = share(count_of(m, "ladder_climbed"), count_of(m, "ladder_members"),
	    events);
	sum = 0;
	n = 0;
	if (value_of(q, &v)) {
		sum += v;
		n++;
	}
	if (value_of(l, &v)) {
		sum += v;
		n++;
	}
	if (n == 0)
		doc = json_pack("{s:n, s:s}", "value", "reason",
		    events == 0 ? "no_data" : "insufficient_data");
	else
		doc = json_pack("{s:f}", "value", sum / n);
	json_object_set_new(doc, "quality_growth", q);
	json_object_set_new(doc, "ladder_climb", l);
	return (doc);
}

double
period_days(const char *period)
{
	if (period == NULL)
		return (0);
	if (strcmp(period, "day") == 0)
		return (1);
	if (strcmp(period, "week") == 0)
		return (7);
	if (strcmp(period, "month") == 0)
		return (30.4375);
	if (strcmp(period, "quarter") == 0)
		return (91.3125);
	if (strcmp(period, "year") == 0)
		return (365.25);
	return (0);
}

/*
 * The ratio of a KPI's actual to its expected amount, oriented so that
 * more is better; INFINITY for a `lower` KPI at (or below) 0, which no
 * finite ratio describes.
 */
double
attainment_uncapped(const char *direction, double actual, double expected)
{
	if (direction != NULL && strcmp(direction, "lower") == 0)
		return (actual <= 0 ? INFINITY : expected / actual);
	return (actual / expected);
}

/* KPI attainment, capped so one runaway KPI cannot hide the others. */
double
attainment(const char *direction, double actual, double expected)
{
	return (fmin(attainment_uncapped(direction, actual, expected),
	    ATTAINMENT_CAP));
}

static json_t *
finite_or_null(double v)
{
	return (isfinite(v) ? json_real(v) : json_null());
}

/*
 * R and its KPIs. *uncapped gets the mean of the uncapped attainments
 * (INFINITY when one is), which a series compares between buckets; in
 * the document it is null when infinite, as JSON has no infinity.
 */
static json_t *
results(const json_t *kpis, double days, double *uncapped)
{
	json_t		*list, *k, *out;
	const json_t	*target;
	const char	*period, *direction;
	double		 expected, actual, u, sum, usum;
	size_t		 i;
	int		 n;

	list = json_array();
	sum = usum = 0;
	n = 0;
	json_array_foreach(kpis, i, k) {
		target = json_object_get(k, "target");
		period = json_string_value(json_object_get(k, "period"));
		direction = json_string_value(json_object_get(k, "direction"));
		actual = json_number_value(json_object_get(k, "actual"));
		out = json_pack("{s:O, s:O?, s:O?, s:f, s:I, s:O, s:O, s:O}",
		    "metric", json_object_get(k, "metric"),
		    "name", json_object_get(k, "name"),
		    "unit", json_object_get(k, "unit"), "actual", actual,
		    "observations", count_of(k, "observations"), "target",
		    target, "period", json_object_get(k, "period"),
		    "direction", json_object_get(k, "direction"));
		if (json_is_number(target) && period_days(period) > 0) {
			expected = json_number_value(target) * days /
			    period_days(period);
			u = attainment_uncapped(direction, actual, expected);
			json_object_set_new(out, "expected", json_real(expected));
			json_object_set_new(out, "attainment",
			    json_real(fmin(u, ATTAINMENT_CAP)));
			json_object_set_new(out, "attainment_uncapped",
			    finite_or_null(u));
			sum += fmin(u, ATTAINMENT_CAP);
			usum += u;
			n++;
		} else {
			json_object_set_new(out, "expected", json_null());
			json_object_set_new(out, "attainment", json_null());
			json_object_set_new(out, "attainment_uncapped",
			    json_null());
		}
		json_array_append_new(list, out);
	}
	*uncapped = n > 0 ? usum / n : NAN;
	if (n == 0)
		out = json_pack("{s:n, s:n, s:s}", "value", "value_uncapped",
		    "reason", "no_data");
	else
		out = json_pack("{s:f, s:o}", "value", sum / n,
		    "value_uncapped", finite_or_null(usum / n));
	json_object_set_new(out, "kpis", list);
	return (out);
}

/* AMP: the mean of whichever of autonomy, mastery and purpose are defined. */
static json_t *
amp_of(const json_t *a, const json_t *m, const json_t *p, json_int_t events)
{
	const json_t	*parts[] = { a, m, p };
	const char	*names[] = { "autonomy", "mastery", "purpose" };
	json_t		*used, *doc;
	double		 sum, v;
	size_t		 i;

	used = json_array();
	sum = 0;
	for (i = 0; i < 3; i++) {
		if (value_of(parts[i], &v)) {
			sum += v;
			json_array_append_new(used, json_string(names[i]));
		}
	}
	if (json_array_size(used) == 0)
		doc = json_pack("{s:n, s:s}", "value", "reason",
		    events == 0 ? "no_data" : "insufficient_data");
	else
		doc = json_pack("{s:f}", "value", sum / json_array_size(used));
	json_object_set_new(doc, "parts", used);
	return (doc);
}

/* The thresholds compare with INDICATOR_EPS, so exact ties land on them. */
enum amp_state
state_of(int has_amp, double amp, int has_r, double r, int has_x, double x)
{
	int	high_amp;

	if (!has_amp)
		return (STATE_INSUFFICIENT_DATA);
	high_amp = amp >= 0.5 - INDICATOR_EPS;
	if (!has_r) {
		if (has_x && x > 0.5 + INDICATOR_EPS)
			return (STATE_RESULTS_CHASING);
		return (high_amp ? STATE_PURPOSE_LED : STATE_DISENGAGED);
	}
	if (r >= 1 - INDICATOR_EPS)
		return (high_amp ? STATE_THRIVING : STATE_RESULTS_CHASING);
	return (high_amp ? STATE_PURPOSE_LED : STATE_DISENGAGED);
}

const char *
state_name(enum amp_state s)
{
	switch (s) {
	case STATE_THRIVING:
		return ("thriving");
	case STATE_RESULTS_CHASING:
		return ("results_chasing");
	case STATE_PURPOSE_LED:
		return ("purpose_led");
	case STATE_DISENGAGED:
		return ("disengaged");
	default:
		return ("insufficient_data");
	}
}

/*
 * Figures in sentences are truncated, not rounded, towards the side of
 * the threshold they are on: an AMP of 0.496 (below 0.5) reads 0.49, not
 * 0.50; a pressure of 0.504 (above 0.5) reads 51%, not 50%. The 1e-6
 * lets an exact tie that floating point put a hair off read as the tie.
 */
static double
shown_down(double v, double scale)
{
	return (floor(v * scale + 1e-6) / scale);
}

static double
shown_up(double v, double scale)
{
	return (ceil(v * scale - 1e-6) / scale);
}

/* "KPIs reach 85% of target", saying so when the cap lowered R. */
static const char *
results_phrase(const struct amp_figures *f, char *buf, size_t len)
{
	if (f->r_uncapped > f->r + INDICATOR_EPS)
		(void)snprintf(buf, len, "KPIs reach %.0f%% of target (each "
		    "counted up to %.0f%%)", shown_down(f->r, 100) * 100,
		    ATTAINMENT_CAP * 100);
	else
		(void)snprintf(buf, len, "KPIs reach %.0f%% of target",
		    shown_down(f->r, 100) * 100);
	return (buf);
}

/* The state in one sentence a community manager understands. */
const char *
state_sentence(enum amp_state s, const struct amp_figures *f, char *buf,
    size_t len)
{
	char	r[96];
	double	amp;

	amp = shown_down(f->amp, 100);
	switch (s) {
	case STATE_THRIVING:
		(void)snprintf(buf, len, "Thriving: autonomy, mastery and "
		    "purpose are strong (AMP %.2f, at least 0.5) and %s, so "
		    "results are not bought at purpose's expense.", amp,
		    results_phrase(f, r, sizeof(r)));
		return (buf);
	case STATE_RESULTS_CHASING:
		if (!f->has_r) {
			(void)snprintf(buf, len, "Results chasing: no KPI has "
			    "a target, and %.0f%% of active engagement is "
			    "incentivized or rewarded, so engagement is pushed "
			    "rather than chosen.", shown_up(f->x, 100) * 100);
			return (buf);
		}
		(void)snprintf(buf, len, "Results chasing: %s but autonomy, "
		    "mastery and purpose are weak (AMP %.2f, below 0.5), so "
		    "results may be bought at purpose's expense.",
		    results_phrase(f, r, sizeof(r)), amp);
		return (buf);
	case STATE_PURPOSE_LED:
		if (!f->has_r) {
			(void)snprintf(buf, len, "Purpose led: autonomy, "
			    "mastery and purpose are strong (AMP %.2f, at least "
			    "0.5); no KPI has a target to judge results by.",
			    amp);
			return (buf);
		}
		(void)snprintf(buf, len, "Purpose led: autonomy, mastery and "
		    "purpose are strong (AMP %.2f, at least 0.5) while %s, "
		    "below 100%%.", amp, results_phrase(f, r, sizeof(r)));
		return (buf);
	case STATE_DISENGAGED:
		if (!f->has_r) {
			(void)snprintf(buf, len, "Disengaged: autonomy, "
			    "mastery and purpose are weak (AMP %.2f, below 0.5) "
			    "and no KPI has a target to judge results by.", amp);
			return (buf);
		}
		(void)snprintf(buf, len, "Disengaged: autonomy, mastery and "
		    "purpose are weak (AMP %.2f, below 0.5) and %s, below "
		    "100%%.", amp, results_phrase(f, r, sizeof(r)));
		return (buf);
	default:
		if (f->events == 0)
			return ("Not enough data: there are no events in this "
			    "window, so its state cannot be judged.");
		return ("Not enough data: none of this window's events is "
		    "active engagement (a reaction, creation or contribution) "
		    "to measure autonomy, mastery or purpose by, so its state "
		    "cannot be judged.");
	}
}

/*
 * Whether results did not fall from u0 to u1 (uncapped attainments),
 * within a relative INDICATOR_EPS: equal attainments over buckets of
 * different lengths differ in the last bit (56 of 100/week in 7 days is
 * 0.56, 8 in 1 day is 0.5599999999999999) and must count as equal.
 */
static int
results_held(double u0, double u1)
{
	if (isinf(u0))
		return (isinf(u1));
	return (u1 >= u0 - INDICATOR_EPS * fmax(1, fabs(u0)));
}

/*
 * Divergence (shared/INDICATORS.md): AMP fell by at least 0.05 against
 * the previous bucket while results did not fall, judged on the uncapped
 * attainment, so that results far above target that keep rising still
 * count as not falling.
 */
enum amp_divergence
divergence_of(const struct amp_figures *prev, const struct amp_figures *cur)
{
	if (prev == NULL)
		return (DIVERGENCE_FIRST);
	if (!cur->has_amp)
		return (DIVERGENCE_NO_AMP);
	if (!prev->has_amp)
		return (DIVERGENCE_NO_PREVIOUS_AMP);
	if (!prev->has_r || !cur->has_r)
		return (DIVERGENCE_NO_RESULTS);
	if (prev->amp - cur->amp < DIVERGENCE_AMP_DROP - INDICATOR_EPS)
		return (DIVERGENCE_AMP_HELD);
	if (!results_held(prev->r_uncapped, cur->r_uncapped))
		return (DIVERGENCE_RESULTS_FELL);
	return (DIVERGENCE_DIVERGED);
}

/* The divergence flag of a bucket in one sentence. */
const char *
divergence_sentence(enum amp_divergence d, const struct amp_figures *prev,
    const struct amp_figures *cur, char *buf, size_t len)
{
	char	r[96];

	r[0] = '\0';
	if (prev != NULL && prev->has_r && cur->has_r &&
	    isfinite(prev->r_uncapped) && isfinite(cur->r_uncapped))
		(void)snprintf(r, sizeof(r), " (from %.0f%% to %.0f%% of "
		    "target, before the %.0f%% cap)",
		    shown_down(prev->r_uncapped, 100) * 100,
		    shown_down(cur->r_uncapped, 100) * 100,
		    ATTAINMENT_CAP * 100);
	switch (d) {
	case DIVERGENCE_FIRST:
		return ("No divergence: this is the first bucket, with none "
		    "before it to compare with.");
	case DIVERGENCE_NO_AMP:
		return ("Divergence cannot be judged: this bucket has no "
		    "active engagement to measure autonomy, mastery or "
		    "purpose by.");
	case DIVERGENCE_NO_PREVIOUS_AMP:
		return ("Divergence cannot be judged: the previous bucket has "
		    "no active engagement to measure autonomy, mastery or "
		    "purpose by.");
	case DIVERGENCE_NO_RESULTS:
		return ("Divergence cannot be judged: no KPI has a target, so "
		    "results cannot be compared.");
	case DIVERGENCE_AMP_HELD:
		(void)snprintf(buf, len, "No divergence: AMP %s (from %.3f to "
		    "%.3f).", cur->amp >= prev->amp ? "held or rose" :
		    "fell by less than 0.05", shown_down(prev->amp, 1000),
		    shown_down(cur->amp, 1000));
		return (buf);
	case DIVERGENCE_RESULTS_FELL:
		(void)snprintf(buf, len, "No divergence: AMP fell (from %.3f "
		    "to %.3f) but results fell too%s.",
		    shown_down(prev->amp, 1000), shown_down(cur->amp, 1000), r);
		return (buf);
	default:
		(void)snprintf(buf, len, "Divergence: AMP fell from %.3f to "
		    "%.3f while results did not fall%s, a sign that results "
		    "may be bought at purpose's expense.",
		    shown_down(prev->amp, 1000), shown_down(cur->amp, 1000), r);
		return (buf);
	}
}

/* One window's document; *f gets the figures its state was judged on. */
static json_t *
window_doc(const json_t *w, struct amp_figures *f)
{
	const json_t	*c;
	json_t		*a, *m, *p, *x, *r, *amp, *doc;
	enum amp_state	 s;
	char		 buf[400];

	memset(f, 0, sizeof(*f));
	c = json_object_get(w, "counts");
	f->events = count_of(c, "events");
	a = share(count_of(c, "active_self"), count_of(c, "active"),
	    f->events);
	p = share(count_of(c, "contributions_giving"), count_of(c,
	    "contributions"), f->events);
	x = share(count_of(c, "active_pressure"), count_of(c, "active"),
	    f->events);
	m = mastery(json_object_get(w, "mastery"), f->events);
	r = results(json_object_get(w, "kpis"),
	    json_number_value(json_object_get(w, "days")), &f->r_uncapped);
	amp = amp_of(a, m, p, f->events);

	f->has_amp = value_of(amp, &f->amp);
	f->has_r = value_of(r, &f->r);
	f->has_x = value_of(x, &f->x);
	s = state_of(f->has_amp, f->amp, f->has_r, f->r, f->has_x, f->x);
	doc = json_pack("{s:{s:O, s:O, s:O}, s:o, s:o, s:o, s:o, s:o, s:o, "
	    "s:s, s:s, s:{s:I, s:I, s:I, s:I}}",
	    "window", "from", json_object_get(w, "from"), "to",
	    json_object_get(w, "to"), "days", json_object_get(w, "days"),
	    "autonomy", a, "mastery", m, "purpose", p, "amp", amp,
	    "extrinsic_pressure", x, "results", r,
	    "state", state_name(s),
	    "state_explanation", state_sentence(s, f, buf, sizeof(buf)),
	    "counts", "events", f->events, "active", count_of(c, "active"),
	    "contributions", count_of(c, "contributions"),
	    "free_choice", count_of(c, "free_choice"));
	return (doc);
}

json_t *
indicators_window(const json_t *w)
{
	struct amp_figures	f;

	return (window_doc(w, &f));
}

/* The filters as given, and the time zone whose days the window is. */
static void
filters_copy(json_t *doc, const json_t *data)
{
	json_object_set(doc, "channel", json_object_get(data, "channel"));
	json_object_set(doc, "campaign", json_object_get(data, "campaign"));
	json_object_set(doc, "timezone", json_object_get(data, "timezone"));
}

json_t *
indicators_render(const json_t *data, int *status)
{
	json_t	*doc;

	*status = 200;
	if ((doc = indicators_window(data)) == NULL)
		return (NULL);
	filters_copy(doc, data);
	return (doc);
}

json_t *
series_render(const json_t *data, int *status)
{
	struct amp_figures	 f[2];
	enum amp_divergence	 d;
	json_t			*doc, *buckets, *b, *w;
	char			 buf[400];
	size_t			 i;

	*status = 200;
	buckets = json_array();
	json_array_foreach(json_object_get(data, "buckets"), i, b) {
		if ((w = window_doc(b, &f[i % 2])) == NULL) {
			json_decref(buckets);
			return (NULL);
		}
		d = divergence_of(i > 0 ? &f[(i + 1) % 2] : NULL, &f[i % 2]);
		json_object_set_new(w, "divergence",
		    json_boolean(d == DIVERGENCE_DIVERGED));
		json_object_set_new(w, "divergence_explanation",
		    json_string(divergence_sentence(d, i > 0 ?
		    &f[(i + 1) % 2] : NULL, &f[i % 2], buf, sizeof(buf))));
		json_array_append_new(buckets, w);
	}
	doc = json_pack("{s:O, s:{s:O, s:O}, s:o}", "interval",
	    json_object_get(data, "interval"), "window", "from",
	    json_object_get(data, "from"), "to", json_object_get(data, "to"),
	    "buckets", buckets);
	if (doc != NULL)
		filters_copy(doc, data);
	return (doc);
}
