/*
 * Request → SQL parameters: the org, the id in the path, the validated
 * body and the query parameters, in the order the operation's SQL takes
 * them (see struct api_op). Every refusal is a problem pointing at the
 * parameter or field.
 */
#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <kore/kore.h>
#include <kore/http.h>

#include <jansson.h>

#include "api.h"
#include "call.h"
#include "config.h"
#include "core/jsontext.h"
#include "core/query.h"
#include "ratelimit.h"

#define LIMIT_DEFAULT		50
#define LIMIT_MAX		500
#define WINDOW_DEFAULT_DAYS	30

/* Longest value of a plain string query parameter, by name. */
static const struct {
	const char	*name;
	size_t		 max;
} string_params[] = {
	{ "member", 128 },
	{ "cursor", QUERY_VALUE_MAX },
};
#define STRING_PARAM_MAX	64

static size_t	string_param_max(const char *);
static amp_usec	now_usec(void);
static int	content_type_is_json(struct http_request *);
static void	params_add(struct api_call *, const char *);
static int	path_param(struct http_request *, struct api_call *);
static void	bound_text(const char *, amp_usec, char *, size_t);
static int	query_params(struct http_request *, struct api_call *,
		    amp_usec);
static int	body_param(struct http_request *, struct api_call *,
		    amp_usec);
static int	raw_body_params(struct http_request *, struct api_call *,
		    amp_usec);
static void	header_params(struct http_request *, struct api_call *);

static size_t
string_param_max(const char *name)
{
	size_t	i;

	for (i = 0; i < sizeof(string_params) / sizeof(string_params[0]); i++) {
		if (strcmp(string_params[i].name, name) == 0)
			return (string_params[i].max);
	}
	return (STRING_PARAM_MAX);
}

static amp_usec
now_usec(void)
{
	struct timespec	ts;

	(void)clock_gettime(CLOCK_REALTIME, &ts);
	return ((amp_usec)ts.tv_sec * TIME_USEC_PER_SEC + ts.tv_nsec / 1000);
}

static int
content_type_is_json(struct http_request *req)
{
	const char	*ct;
	size_t		 n;

	if (!http_request_header(req, "content-type", &ct))
		return (0);
	n = strlen("application/json");
	if (strncasecmp(ct, "application/json", n) != 0)
		return (0);
	return (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

static void
params_add(struct api_call *call, const char *v)
{
	if (call->nparams >= API_PARAMS_MAX)
		fatal("api: too many SQL parameters");
	call->params[call->nparams++] = v == NULL ? NULL : kore_strdup(v);
}

/* The one id segment of the path: between the text before and after {id}. */
static int
path_param(struct http_request *req, struct api_call *call)
{
	const char	*path = call->route->path, *mark, *raw;
	struct problems	 p;
	char		 id[4 * 128 + 1];
	size_t		 len;

	if (path == NULL || (mark = strstr(path, "{id}")) == NULL)
		return (0);
	/* The route matched: the prefix and the suffix are there. */
	raw = req->path + (mark - path);
	len = strlen(raw) - strlen(mark + strlen("{id}"));
	if (path_decode(raw, len, id, sizeof(id)) != 0 ||
	    call->route->id_check(id) != 0) {
		problems_init(&p);
		problems_add(&p, "id", "%s", call->route->id_rule);
		api_problem(req, 400, "the path names no valid id",
		    "parameter", &p);
		return (-1);
	}
	params_add(call, id);
	return (0);
}

/*
 * A bound as SQL takes it: a date as sent, an instant (sent, or the
 * default when none was) in UTC.
 */
static void
bound_text(const char *sent, amp_usec t, char *buf, size_t len)
{
	if (sent != NULL && strlen(sent) == TIME_DATE_LEN)
		(void)kore_strlcpy(buf, sent, len);
	else
		time_format(t, buf, len);
}

/*
 * Declared query parameters become SQL parameters in declared order;
 * `from`/`to` are a window (defaults: the 30 days before now), `limit` an
 * integer 1-500, anything else a string. Unknown names are refused.
 *
 * A date-only bound is a day of the org's time zone, which only the
 * database knows: it goes to SQL as the date (amp.bound resolves it),
 * an instant as RFC 3339 UTC. The checks here read dates as UTC days: a
 * zone moves both ends alike, so order and length hold.
 */
static int
query_params(struct http_request *req, struct api_call *call, amp_usec now)
{
	const struct api_op	*op = call->op;
	struct problems		 p;
	json_t			*q, *val;
	const char		*key, *v, *const *name;
	const char *const	*end = op->query + API_QUERY_MAX;
	amp_usec		 from, to;
	char			 buf[TIME_TEXT_LEN], from_text[TIME_TEXT_LEN];
	char			 to_text[TIME_TEXT_LEN];
	long long		 limit;
	int			 known, bad;

	problems_init(&p);
	if ((q = query_parse(req->query_string, &p)) == NULL) {
		api_problem(req, 400, "the query string is not valid",
		    "parameter", &p);
		return (-1);
	}
	json_object_foreach(q, key, val) {
		known = 0;
		for (name = op->query; name < end && *name != NULL; name++)
			known |= strcmp(*name, key) == 0;
		if (!known)
			problems_add(&p, key, "is not a parameter of this "
			    "operation");
	}

	(void)query_window(q, now, WINDOW_DEFAULT_DAYS, op->max_window_days,
	    &from, &to, &p);
	/* Dates go to SQL as sent: it reads them in the org's time zone. */
	v = json_string_value(json_object_get(q, "to"));
	bound_text(v, to, to_text, sizeof(to_text));
	v = json_string_value(json_object_get(q, "from"));
	bound_text(v, from, from_text, sizeof(from_text));
	/* The default window after a date ends a whole number of days. */
	if (v == NULL && strlen(to_text) == TIME_DATE_LEN)
		from_text[TIME_DATE_LEN] = '\0';

	for (name = op->query; name < end && *name != NULL; name++) {
		if (strcmp(*name, "from") == 0 || strcmp(*name, "to") == 0 ||
		    strcmp(*name, "limit") == 0)
			continue;
		v = json_string_value(json_object_get(q, *name));
		if (v != NULL && (*v == '\0' ||
		    utf8_length(v) > string_param_max(*name)))
			problems_add(&p, *name, "must be 1 to %zu characters",
			    string_param_max(*name));
	}

	limit = LIMIT_DEFAULT;
	if ((v = json_string_value(json_object_get(q, "limit"))) != NULL) {
		limit = kore_strtonum(v, 10, 1, LIMIT_MAX, &bad);
		if (bad != KORE_RESULT_OK)
			problems_add(&p, "limit", "must be a whole number from "
			    "1 to %d", LIMIT_MAX);
	}

	if (p.count > 0) {
		json_decref(q);
		api_problem(req, 400, "a query parameter is not valid",
		    "parameter", &p);
		return (-1);
	}

	for (name = op->query; name < end && *name != NULL; name++) {
		if (strcmp(*name, "from") == 0 || strcmp(*name, "to") == 0) {
			params_add(call, **name == 'f' ? from_text : to_text);
		} else if (strcmp(*name, "limit") == 0) {
			(void)snprintf(buf, sizeof(buf), "%lld", limit);
			params_add(call, buf);
		} else {
			params_add(call, json_string_value(json_object_get(q,
			    *name)));
		}
	}
	json_decref(q);
	return (0);
}

static int
body_param(struct http_request *req, struct api_call *call, amp_usec now)
{
	struct problems	 p;
	json_error_t	 err;
	json_t		*doc;
	char		 detail[128];

	if (req->http_body_length > API_BODY_MAX) {
		api_problem(req, 413, "the body must not be larger than 1 MiB",
		    NULL, NULL);
		return (-1);
	}
	if (!content_type_is_json(req)) {
		api_problem(req, 415, "send the body as application/json",
		    NULL, NULL);
		return (-1);
	}
	if (req->http_body == NULL || req->http_body_length == 0) {
		api_problem(req, 400, "a JSON body is required", NULL, NULL);
		return (-1);
	}

	doc = json_loadb((const char *)req->http_body->data,
	    req->http_body_length, JSON_REJECT_DUPLICATES, &err);
	if (doc == NULL) {
		problems_init(&p);
		if (json_error_code(&err) == json_error_duplicate_key) {
			(void)snprintf(detail, sizeof(detail), "an object has "
			    "the same key twice (line %d, column %d)",
			    err.line, err.column);
			problems_add(&p, "", "%s", detail);
			api_problem(req, 422, detail, "pointer", &p);
		} else {
			(void)snprintf(detail, sizeof(detail), "the body is not "
			    "valid JSON (line %d, column %d)", err.line,
			    err.column);
			api_problem(req, 400, detail, NULL, NULL);
		}
		return (-1);
	}

	problems_init(&p);
	(void)json_text_numbers_check((const char *)req->http_body->data,
	    req->http_body_length, doc, &p);
	if (call->op->body_check(doc, now, &p) != 0 || p.count > 0) {
		json_decref(doc);
		(void)snprintf(detail, sizeof(detail), "%zu problem%s in the "
		    "body; nothing was written", p.count,
		    p.count == 1 ? "" : "s");
		api_problem(req, 422, detail, "pointer", &p);
		return (-1);
	}
	json_decref(doc);

	/* Validated: the database reads the very bytes the client sent. */
	if (call->nparams >= API_PARAMS_MAX)
		fatal("api: too many SQL parameters");
	call->params[call->nparams] = kore_malloc(req->http_body_length + 1);
	memcpy(call->params[call->nparams], req->http_body->data,
	    req->http_body_length);
	call->params[call->nparams][req->http_body_length] = '\0';
	call->nparams++;
	return (0);
}

/*
 * The body as sent, then what the operation's parser derives from it and
 * the headers it names. Only what can be SQL text passes: UTF-8, no NUL.
 */
static int
raw_body_params(struct http_request *req, struct api_call *call,
    amp_usec now)
{
	const struct api_op	*op = call->op;
	struct raw_request	 in;
	struct raw_answer	 out;
	size_t			 i;
	int			 r;

	if (req->http_body_length > API_BODY_MAX) {
		api_problem(req, 413, "the body must not be larger than 1 MiB",
		    NULL, NULL);
		return (-1);
	}
	memset(&in, 0, sizeof(in));
	in.body = req->http_body == NULL ? "" :
	    (const char *)req->http_body->data;
	in.len = req->http_body == NULL ? 0 : req->http_body_length;
	if (!utf8_valid(in.body, in.len)) {
		api_problem(req, 400, "the body must be UTF-8 text", NULL,
		    NULL);
		return (-1);
	}
	for (i = 0; i < RAW_HEADERS_MAX && op->headers[i] != NULL; i++) {
		if (!http_request_header(req, op->headers[i], &in.headers[i]))
			in.headers[i] = NULL;
	}
	in.now = now;

	if (call->nparams >= API_PARAMS_MAX)
		fatal("api: too many SQL parameters");
	call->params[call->nparams] = kore_malloc(in.len + 1);
	memcpy(call->params[call->nparams], in.body, in.len);
	call->params[call->nparams][in.len] = '\0';
	call->nparams++;

	raw_answer_init(&out);
	if ((r = op->raw_body(&in, &out)) != 0)
		api_problem(req, out.status, out.detail, out.where,
		    &out.problems);
	for (i = 0; r == 0 && i < (size_t)out.nparams; i++)
		params_add(call, out.params[i]);
	raw_answer_free(&out);
	return (r);
}

static void
header_params(struct http_request *req, struct api_call *call)
{
	const char	*v;
	size_t		 i;

	for (i = 0; i < RAW_HEADERS_MAX && call->op->headers[i] != NULL; i++)
		params_add(call, http_request_header(req, call->op->headers[i],
		    &v) ? v : NULL);
}

int
params_gather(struct http_request *req, struct api_call *call,
    const struct principal *who)
{
	amp_usec	now = now_usec();

	if (call->op->scopes != 0)
		params_add(call, who->org);
	if (path_param(req, call) != 0)
		return (-1);
	/*
	 * The token's org has a share of the database (pool.c). Requests
	 * without a token (GitHub deliveries, checked in SQL) share one of
	 * their own, whatever org they name: nobody can spend another org's
	 * share by naming it. /readyz has none.
	 */
	if (call->op->scopes != 0)
		call->org = org_key(who->org);
	else
		call->org = call->nparams > 0 ? ORG_UNSIGNED : 0;
	if (call->op->body_check != NULL && body_param(req, call, now) != 0)
		return (-1);
	if (call->op->raw_body != NULL) {
		if (raw_body_params(req, call, now) != 0)
			return (-1);
	} else {
		header_params(req, call);
	}
	if (query_params(req, call, now) != 0)
		return (-1);
	if (call->op->budget)
		params_add(call, amp_config.cold_budget_ms);
	return (0);
}
