/*
 * The survey summary; see summary.h.  Pure: jansson in, jansson out.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"
#include "summary.h"
#include "survey.h"

#define ITEMS_MAX	256	/* more than any instrument may have */
#define RESPONDENTS_MAX	(SIZE_MAX / (ITEMS_MAX + 1) / sizeof(double) - 1)

struct input {
	const json_t		*data;
	struct survey_instrument ins;
	struct survey_item	*items;
	size_t			 nitems;
	const char		**subs;		/* names, first-seen order */
	size_t			*sub_items;	/* items per subscale */
	size_t			 nsub;
	double			*weights;	/* per subscale; NULL: no index */
	size_t			 k;		/* the anonymity minimum */
	json_int_t		 members;
	unsigned		 filters;	/* SUMMARY_IN_* in force */
	size_t			 nresp;
	unsigned		*groups;
	double			*answers;	/* nresp x nitems */
	double			*scores;	/* nresp x nsub */
	unsigned char		*counted;	/* nresp, scratch */
	double			*values;	/* nresp, scratch */
	double			*matrix;	/* nresp x nitems, scratch */
};

static size_t	count(const unsigned *, const unsigned char *, size_t,
		    unsigned);
static int	parse(const json_t *, struct input *);
static int	parse_items(const json_t *, struct input *);
static int	parse_index(const json_t *, struct input *);
static int	parse_respondents(const json_t *, struct input *);
static void	input_free(struct input *);
static int	in_group(const struct input *, size_t);
static json_t	*number(double);
static json_t	*suppressed_stat(void);
static json_t	*subscale_doc(struct input *, size_t, int);
static json_t	*reliability_doc(struct input *, size_t, int);
static json_t	*index_doc(struct input *, int);
static json_t	*describe(struct input *, enum summary_disclosure, size_t,
		    size_t);
static const char *suppression_name(enum summary_disclosure);

static size_t
count(const unsigned *groups, const unsigned char *counted, size_t n,
    unsigned mask)
{
	size_t	r, c = 0;

	for (r = 0; r < n; r++)
		c += counted[r] && (groups[r] & mask) == mask;
	return (c);
}

enum summary_disclosure
summary_disclosure(const unsigned *groups, const unsigned char *counted,
    size_t nresp, unsigned filters, size_t k, size_t *n)
{
	size_t		nf, nt;
	unsigned	t;

	nf = count(groups, counted, nresp, filters);
	*n = nf;
	if (nf < k)
		return (SUMMARY_SMALL_GROUP);
	/*
	 * Every coarser query: a proper subset of the filters in force,
	 * which is always numerically smaller than their mask.
	 */
	for (t = 0; t < filters; t++) {
		if ((t & ~filters) != 0)
			continue;
		nt = count(groups, counted, nresp, t);
		if (nt > nf && nt - nf < k)
			return (SUMMARY_SMALL_COMPLEMENT);
	}
	return (SUMMARY_SHOWN);
}

static int
in_group(const struct input *in, size_t r)
{
	return ((in->groups[r] & in->filters) == in->filters);
}

static int
parse_items(const json_t *list, struct input *in)
{
	const json_t	*item;
	const char	*sub;
	size_t		 i, s;

	in->nitems = json_array_size(list);
	if (!json_is_array(list) || in->nitems == 0 || in->nitems > ITEMS_MAX)
		return (-1);
	in->items = calloc(in->nitems, sizeof(*in->items));
	in->subs = calloc(in->nitems, sizeof(*in->subs));
	in->sub_items = calloc(in->nitems, sizeof(*in->sub_items));
	if (in->items == NULL || in->subs == NULL || in->sub_items == NULL)
		return (-1);
	json_array_foreach(list, i, item) {
		if ((sub = json_string_value(json_object_get(item,
		    "subscale"))) == NULL)
			return (-1);
		for (s = 0; s < in->nsub; s++)
			if (strcmp(in->subs[s], sub) == 0)
				break;
		if (s == in->nsub)
			in->subs[in->nsub++] = sub;
		in->sub_items[s]++;
		in->items[i].subscale = s;
		in->items[i].reverse = json_is_true(json_object_get(item,
		    "reverse"));
	}
	in->ins.items = in->items;
	in->ins.nitems = in->nitems;
	return (0);
}

static int
parse_index(const json_t *index, struct input *in)
{
	const char	*key;
	json_t		*w;
	size_t		 s;

	if (index == NULL || json_is_null(index))
		return (0);
	if (!json_is_object(index))
		return (-1);
	if ((in->weights = calloc(in->nsub, sizeof(*in->weights))) == NULL)
		return (-1);
	json_object_foreach((json_t *)index, key, w) {
		for (s = 0; s < in->nsub; s++)
			if (strcmp(in->subs[s], key) == 0)
				break;
		if (s == in->nsub || !json_is_number(w))
			return (-1);
		in->weights[s] = json_number_value(w);
	}
	return (0);
}

static int
parse_respondents(const json_t *list, struct input *in)
{
	const json_t	*resp, *a, *v;
	json_int_t	 m;
	size_t		 r, i;

	if (!json_is_array(list))
		return (-1);
	in->nresp = json_array_size(list);
	if (in->nresp > RESPONDENTS_MAX)
		return (-1);
	/* One extra row keeps every allocation non-empty. */
	in->groups = calloc(in->nresp + 1, sizeof(*in->groups));
	in->counted = calloc(in->nresp + 1, sizeof(*in->counted));
	in->values = calloc(in->nresp + 1, sizeof(*in->values));
	in->answers = calloc((in->nresp + 1) * in->nitems, sizeof(double));
	in->matrix = calloc((in->nresp + 1) * in->nitems, sizeof(double));
	in->scores = calloc((in->nresp + 1) * in->nsub, sizeof(double));
	if (in->groups == NULL || in->counted == NULL || in->values == NULL ||
	    in->answers == NULL || in->matrix == NULL || in->scores == NULL)
		return (-1);
	json_array_foreach(list, r, resp) {
		m = json_integer_value(json_object_get(resp, "m"));
		a = json_object_get(resp, "a");
		if (!json_is_integer(json_object_get(resp, "m")) || m < 0 ||
		    m > (SUMMARY_IN_CHANNEL | SUMMARY_IN_CAMPAIGN) ||
		    json_array_size(a) != in->nitems)
			return (-1);
		in->groups[r] = (unsigned)m;
		json_array_foreach(a, i, v) {
			if (json_is_null(v))
				in->answers[r * in->nitems + i] = NAN;
			else if (json_is_integer(v))
				in->answers[r * in->nitems + i] =
				    (double)json_integer_value(v);
			else
				return (-1);
		}
		(void)survey_score(&in->ins, &in->answers[r * in->nitems],
		    &in->scores[r * in->nsub], in->nsub);
	}
	return (0);
}

static int
parse(const json_t *d, struct input *in)
{
	const json_t	*ins, *scale, *k, *members;

	memset(in, 0, sizeof(*in));
	in->data = d;
	ins = json_object_get(d, "instrument");
	scale = json_object_get(ins, "scale");
	if (!json_is_string(json_object_get(ins, "id")) ||
	    !json_is_integer(json_object_get(scale, "min")) ||
	    !json_is_integer(json_object_get(scale, "max")))
		return (-1);
	in->ins.scale.min = (double)json_integer_value(json_object_get(scale,
	    "min"));
	in->ins.scale.max = (double)json_integer_value(json_object_get(scale,
	    "max"));
	if (parse_items(json_object_get(ins, "items"), in) != 0 ||
	    parse_index(json_object_get(ins, "index"), in) != 0)
		return (-1);

	k = json_object_get(d, "min_group");
	members = json_object_get(d, "members");
	if (!json_is_integer(k) || json_integer_value(k) < 1 ||
	    !json_is_integer(members) || json_integer_value(members) < 0)
		return (-1);
	in->k = (size_t)json_integer_value(k);
	in->members = json_integer_value(members);
	if (json_is_string(json_object_get(d, "channel")))
		in->filters |= SUMMARY_IN_CHANNEL;
	if (json_is_string(json_object_get(d, "campaign")))
		in->filters |= SUMMARY_IN_CAMPAIGN;
	return (parse_respondents(json_object_get(d, "respondents"), in));
}

static void
input_free(struct input *in)
{
	free(in->items);
	free(in->subs);
	free(in->sub_items);
	free(in->weights);
	free(in->groups);
	free(in->answers);
	free(in->scores);
	free(in->counted);
	free(in->values);
	free(in->matrix);
}

/* Undefined values are null in JSON, never a made-up number. */
static json_t *
number(double x)
{
	return (isfinite(x) ? json_real(x) : json_null());
}

static json_t *
suppressed_stat(void)
{
	return (json_pack("{s:n, s:n, s:n, s:s}", "n", "mean", "sd",
	    "reason", "suppressed"));
}

/*
 * n, mean and sd of in->values[0 .. nvals - 1] when shown; every number
 * null with a reason when not.
 */
static json_t *
describe(struct input *in, enum summary_disclosure d, size_t n,
    size_t nvals)
{
	if (d != SUMMARY_SHOWN)
		return (suppressed_stat());
	return (json_pack("{s:I, s:o, s:o, s:n}", "n", (json_int_t)n,
	    "mean", number(stats_mean(in->values, nvals)),
	    "sd", number(stats_sd(in->values, nvals)), "reason"));
}

static json_t *
reliability_doc(struct input *in, size_t s, int hidden)
{
	enum summary_disclosure	 d;
	const char		*method;
	double			 alpha;
	size_t			 r, i, nf, n;
	int			 complete;

	method = in->sub_items[s] == 2 ? "spearman_brown" : "cronbach_alpha";
	if (in->sub_items[s] < 2)
		return (json_pack("{s:n, s:n, s:n, s:n, s:s}", "method",
		    "value", "n", "low", "reason", "insufficient_data"));

	/* Alpha rests on the respondents who answered every item. */
	for (r = 0; r < in->nresp; r++) {
		complete = 1;
		for (i = 0; i < in->nitems; i++) {
			if (in->items[i].subscale != s)
				continue;
			complete &= !isnan(survey_item_score(&in->ins.scale,
			    in->items[i].reverse,
			    in->answers[r * in->nitems + i]));
		}
		in->counted[r] = complete;
	}
	d = summary_disclosure(in->groups, in->counted, in->nresp, in->filters,
	    in->k, &n);
	if (hidden || d != SUMMARY_SHOWN)
		return (json_pack("{s:s, s:n, s:n, s:n, s:s}", "method", method,
		    "value", "n", "low", "reason", "suppressed"));

	for (r = 0, nf = 0; r < in->nresp; r++) {
		if (!in_group(in, r))
			continue;
		memcpy(&in->matrix[nf * in->nitems],
		    &in->answers[r * in->nitems], in->nitems * sizeof(double));
		nf++;
	}
	if (!survey_alpha_subscale(&in->ins, in->matrix, nf, s, &alpha))
		return (json_pack("{s:s, s:n, s:I, s:n, s:s}", "method", method,
		    "value", "n", (json_int_t)n, "low", "reason",
		    "insufficient_data"));
	return (json_pack("{s:s, s:f, s:I, s:b, s:n}", "method", method,
	    "value", alpha, "n", (json_int_t)n, "low", survey_alpha_low(alpha),
	    "reason"));
}

static json_t *
subscale_doc(struct input *in, size_t s, int hidden)
{
	enum summary_disclosure	 d;
	json_t			*doc;
	size_t			 r, n, nvals = 0;
	double			 x;

	for (r = 0; r < in->nresp; r++) {
		x = in->scores[r * in->nsub + s];
		in->counted[r] = !isnan(x);
		if (!isnan(x) && in_group(in, r))
			in->values[nvals++] = x;
	}
	d = summary_disclosure(in->groups, in->counted, in->nresp, in->filters,
	    in->k, &n);
	if (hidden)
		d = SUMMARY_SMALL_GROUP;
	doc = json_pack("{s:s, s:I}", "subscale", in->subs[s], "items",
	    (json_int_t)in->sub_items[s]);
	if (json_object_update_new(doc, describe(in, d, n, nvals)) != 0 ||
	    json_object_set_new(doc, "reliability", reliability_doc(in, s,
	    d != SUMMARY_SHOWN)) != 0) {
		json_decref(doc);
		return (NULL);
	}
	return (doc);
}

static json_t *
index_doc(struct input *in, int hidden)
{
	enum summary_disclosure	 d;
	json_t			*doc;
	size_t			 r, n, nvals = 0;
	double			 x;

	if (in->weights == NULL)
		return (json_null());
	for (r = 0; r < in->nresp; r++) {
		in->counted[r] = survey_index(&in->scores[r * in->nsub],
		    in->weights, in->nsub, &x);
		if (in->counted[r] && in_group(in, r))
			in->values[nvals++] = x;
	}
	d = summary_disclosure(in->groups, in->counted, in->nresp, in->filters,
	    in->k, &n);
	if (hidden)
		d = SUMMARY_SMALL_GROUP;
	doc = json_pack("{s:O}", "weights", json_object_get(json_object_get(
	    in->data, "instrument"), "index"));
	if (json_object_update_new(doc, describe(in, d, n, nvals)) != 0) {
		json_decref(doc);
		return (NULL);
	}
	return (doc);
}

static const char *
suppression_name(enum summary_disclosure d)
{
	switch (d) {
	case SUMMARY_SMALL_GROUP:
		return ("small_group");
	case SUMMARY_SMALL_COMPLEMENT:
		return ("small_complement");
	default:
		return (NULL);
	}
}

json_t *
survey_summary(const json_t *data, int *status)
{
	struct input		 in;
	enum summary_disclosure	 d;
	json_t			*doc, *subs, *resp, *part, *sub;
	size_t			 r, s, n;
	int			 hidden;

	if (parse(data, &in) != 0) {
		input_free(&in);
		return (NULL);
	}

	for (r = 0; r < in.nresp; r++)
		in.counted[r] = 1;
	d = summary_disclosure(in.groups, in.counted, in.nresp, in.filters,
	    in.k, &n);
	hidden = d != SUMMARY_SHOWN;
	if (hidden) {
		/* Even the size of a hidden group is only a bound. */
		resp = json_pack("{s:n, s:I}", "count", "fewer_than",
		    (json_int_t)in.k);
		if (d == SUMMARY_SMALL_COMPLEMENT)
			(void)json_object_set_new(resp, "fewer_than",
			    json_null());
		part = json_pack("{s:n, s:n, s:s}", "value", "members",
		    "reason", "suppressed");
	} else {
		resp = json_pack("{s:I, s:n}", "count", (json_int_t)n,
		    "fewer_than");
		if (in.members > 0)
			part = json_pack("{s:f, s:I, s:n}", "value",
			    (double)n / (double)in.members, "members",
			    in.members, "reason");
		else
			part = json_pack("{s:n, s:I, s:s}", "value", "members",
			    in.members, "reason", "no_data");
	}

	subs = json_array();
	for (s = 0; s < in.nsub && subs != NULL; s++) {
		if ((sub = subscale_doc(&in, s, hidden)) == NULL) {
			json_decref(subs);
			subs = NULL;
			break;
		}
		(void)json_array_append_new(subs, sub);
	}

	doc = json_pack("{s:O, s:O, s:O, s:O, s:O, s:I, s:s?, s:o, s:o, "
	    "s:o, s:o}",
	    "instrument", json_object_get(json_object_get(data, "instrument"),
	    "id"),
	    "from", json_object_get(data, "from"),
	    "to", json_object_get(data, "to"),
	    "channel", json_object_get(data, "channel"),
	    "campaign", json_object_get(data, "campaign"),
	    "min_group", (json_int_t)in.k,
	    "suppression", suppression_name(d),
	    "respondents", resp,
	    "participation", part,
	    "subscales", subs,
	    "index", index_doc(&in, hidden));
	input_free(&in);
	if (doc != NULL)
		*status = 200;
	return (doc);
}
