#include <math.h>
#include <string.h>

#include "indicators.h"

static json_int_t	count_of(const json_t *, const char *);
static json_t		*share(json_int_t, json_int_t, json_int_t);
static json_t		*mastery(const json_t *, json_int_t);
static json_t		*results(const json_t *, double);
static json_t		*amp_of(const json_t *, const json_t *, const json_t *,
			    json_int_t);
static int		 value_of(const json_t *, double *);

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

/* KPI attainment, capped so one runaway KPI cannot hide the others. */
double
attainment(const char *direction, double actual, double expected)
{
	double	a;

	if (direction != NULL && strcmp(direction, "lower") == 0) {
		if (actual <= 0)
			return (ATTAINMENT_CAP);
		a = expected / actual;
	} else {
		a = actual / expected;
	}
	return (a > ATTAINMENT_CAP ? ATTAINMENT_CAP : a);
}

static json_t *
results(const json_t *kpis, double days)
{
	json_t		*list, *k, *out;
	const json_t	*target;
	const char	*period, *direction;
	double		 expected, actual, a, sum;
	size_t		 i;
	int		 n;

	list = json_array();
	sum = 0;
	n = 0;
	json_array_foreach(kpis, i, k) {
		target = json_object_get(k, "target");
		period = json_string_value(json_object_get(k, "period"));
		direction = json_string_value(json_object_get(k, "direction"));
		actual = json_number_value(json_object_get(k, "actual"));
		out = json_pack("{s:O, s:f, s:I, s:O, s:O, s:O}", "metric",
		    json_object_get(k, "metric"), "actual", actual,
		    "observations", count_of(k, "observations"), "target",
		    target, "period", json_object_get(k, "period"),
		    "direction", json_object_get(k, "direction"));
		if (json_is_number(target) && period_days(period) > 0) {
			expected = json_number_value(target) * days /
			    period_days(period);
			a = attainment(direction, actual, expected);
			json_object_set_new(out, "expected", json_real(expected));
			json_object_set_new(out, "attainment", json_real(a));
			sum += a;
			n++;
		} else {
			json_object_set_new(out, "expected", json_null());
			json_object_set_new(out, "attainment", json_null());
		}
		json_array_append_new(list, out);
	}
	if (n == 0)
		out = json_pack("{s:n, s:s}", "value", "reason", "no_data");
	else
		out = json_pack("{s:f}", "value", sum / n);
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

json_t *
indicators_window(const json_t *w)
{
	const json_t	*c;
	json_t		*a, *m, *p, *x, *r, *amp, *doc;
	json_int_t	 events;
	double		 av = 0, rv = 0, xv = 0;
	int		 ha, hr, hx;

	c = json_object_get(w, "counts");
	events = count_of(c, "events");
	a = share(count_of(c, "active_self"), count_of(c, "active"), events);
	p = share(count_of(c, "contributions_giving"), count_of(c,
	    "contributions"), events);
	x = share(count_of(c, "active_pressure"), count_of(c, "active"),
	    events);
	m = mastery(json_object_get(w, "mastery"), events);
	r = results(json_object_get(w, "kpis"),
	    json_number_value(json_object_get(w, "days")));
	amp = amp_of(a, m, p, events);

	ha = value_of(amp, &av);
	hr = value_of(r, &rv);
	hx = value_of(x, &xv);
	doc = json_pack("{s:{s:O, s:O, s:O}, s:o, s:o, s:o, s:o, s:o, s:o, "
	    "s:s, s:{s:I, s:I, s:I, s:I}}",
	    "window", "from", json_object_get(w, "from"), "to",
	    json_object_get(w, "to"), "days", json_object_get(w, "days"),
	    "autonomy", a, "mastery", m, "purpose", p, "amp", amp,
	    "extrinsic_pressure", x, "results", r,
	    "state", state_name(state_of(ha, av, hr, rv, hx, xv)),
	    "counts", "events", events, "active", count_of(c, "active"),
	    "contributions", count_of(c, "contributions"),
	    "free_choice", count_of(c, "free_choice"));
	return (doc);
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

/*
 * Divergence: results rose against the previous bucket while AMP fell by
 * at least 0.05 — results bought at purpose's expense. "Rose" means by
 * more than INDICATOR_EPS: equal attainments over buckets of different
 * lengths differ in the last bit (8 of 100/week in 1 day is
 * 0.5599999999999999, 56 in 7 days is 0.56) and must not count.
 */
json_t *
series_render(const json_t *data, int *status)
{
	json_t	*doc, *buckets, *b, *prev;
	double	 r0, r1, a0, a1;
	size_t	 i;
	int	 diverge;

	*status = 200;
	buckets = json_array();
	prev = NULL;
	json_array_foreach(json_object_get(data, "buckets"), i, b) {
		json_t	*w = indicators_window(b);

		if (w == NULL) {
			json_decref(buckets);
			return (NULL);
		}
		diverge = prev != NULL &&
		    value_of(json_object_get(prev, "results"), &r0) &&
		    value_of(json_object_get(w, "results"), &r1) &&
		    value_of(json_object_get(prev, "amp"), &a0) &&
		    value_of(json_object_get(w, "amp"), &a1) &&
		    r1 > r0 + INDICATOR_EPS &&
		    a0 - a1 >= DIVERGENCE_AMP_DROP - INDICATOR_EPS;
		json_object_set_new(w, "divergence", json_boolean(diverge));
		json_array_append_new(buckets, w);
		prev = w;
	}
	doc = json_pack("{s:O, s:{s:O, s:O}, s:o}", "interval",
	    json_object_get(data, "interval"), "window", "from",
	    json_object_get(data, "from"), "to", json_object_get(data, "to"),
	    "buckets", buckets);
	if (doc != NULL)
		filters_copy(doc, data);
	return (doc);
}
