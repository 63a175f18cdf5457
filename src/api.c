#include <sys/types.h>

#include <ctype.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <kore/kore.h>
#include <kore/http.h>
#include <kore/pgsql.h>
#include <kore/tasks.h>

#include <jansson.h>

#include "api.h"
#include "auth.h"
#include "metrics.h"
#include "core/jsontext.h"
#include "core/query.h"

#define RETRY_AFTER_SEC		"2"
#define LIMIT_DEFAULT		50
#define LIMIT_MAX		500
#define WINDOW_DEFAULT_DAYS	30

/*
 * A render run in a task thread. It lives apart from the call so that a
 * client gone mid-render cannot free what the thread still uses; it holds
 * only malloc(3) memory, as Kore's allocator is not for threads.
 */
struct render_job {
	struct kore_task	  task;		/* first: the job is the task */
	json_t			*(*render)(const json_t *, int *);
	char			 *input;
	size_t			  input_len;
	char			 *output;
	int			  status;
};

struct api_call {
	const struct api_resource	*res;
	const struct api_op		*op;
	struct kore_pgsql		 sql;
	int				 nparams;
	char				*params[API_PARAMS_MAX];
	int				 status;
	char				*body;
	size_t				 body_len;
	struct render_job		*job;
};

enum {
	CALL_SETUP,
	CALL_QUERY,
	CALL_WAIT,
	CALL_READ,
	CALL_ERROR,
	CALL_RENDER,
	CALL_DONE
};

static int	call_setup(struct http_request *);
static int	call_query(struct http_request *);
static int	call_wait(struct http_request *);
static int	call_read(struct http_request *);
static int	call_error(struct http_request *);
static int	call_render_wait(struct http_request *);
static int	call_done(struct http_request *);
static void	call_free(struct http_request *);

static const struct api_op	*op_find(struct http_request *,
				    const struct api_resource *);
static void	method_not_allowed(struct http_request *,
		    const struct api_resource *);
static int	content_type_is_json(struct http_request *);
static int	prepare(struct http_request *, const struct api_resource *,
		    const struct api_op *, const struct principal *);
static int	params_add(struct api_call *, const char *);
static int	query_params(struct http_request *, struct api_call *,
		    const struct api_op *, amp_usec);
static int	body_param(struct http_request *, struct api_call *,
		    const struct api_op *, amp_usec);
static amp_usec	now_usec(void);

static struct http_state	call_states[] = {
	{ "CALL_SETUP", call_setup },
	{ "CALL_QUERY", call_query },
	{ "CALL_WAIT", call_wait },
	{ "CALL_READ", call_read },
	{ "CALL_ERROR", call_error },
	{ "CALL_RENDER", call_render_wait },
	{ "CALL_DONE", call_done },
};

static const struct {
	int		 status;
	const char	*kind;
	const char	*title;
} problem_kinds[] = {
	{ 400, "bad-request", "Bad Request" },
	{ 401, "unauthorized", "Unauthorized" },
	{ 403, "forbidden", "Forbidden" },
	{ 404, "not-found", "Not Found" },
	{ 405, "method-not-allowed", "Method Not Allowed" },
	{ 409, "conflict", "Conflict" },
	{ 413, "payload-too-large", "Content Too Large" },
	{ 415, "unsupported-media-type", "Unsupported Media Type" },
	{ 422, "validation", "Unprocessable Content" },
	{ 500, "internal", "Internal Server Error" },
	{ 503, "unavailable", "Service Unavailable" },
};

/* Longest value of a plain string query parameter, by name. */
static const struct {
	const char	*name;
	size_t		 max;
} string_params[] = {
	{ "member", 128 },
	{ "cursor", QUERY_VALUE_MAX },
};
#define STRING_PARAM_MAX	64

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

void
api_json(struct http_request *req, int status, const char *body, size_t len)
{
	if (status >= 400)
		http_response_header(req, "content-type",
		    "application/problem+json");
	else
		http_response_header(req, "content-type", "application/json");
	http_response_header(req, "cache-control", "no-store");
	if (status == 503)
		http_response_header(req, "retry-after", RETRY_AFTER_SEC);
	http_response(req, status, status == 204 ? NULL : body,
	    status == 204 ? 0 : len);
	metrics_record(req, status);
}

/*
 * An RFC 9457 problem. `where` says whether the problems point into the
 * body ("pointer") or name a parameter ("parameter").
 */
void
api_problem(struct http_request *req, int status, const char *detail,
    const char *where, const struct problems *p)
{
	json_t		*doc, *errors, *e;
	const char	*kind, *title;
	char		*text;
	size_t		 i, n;

	kind = "internal";
	title = "Internal Server Error";
	for (i = 0; i < sizeof(problem_kinds) / sizeof(problem_kinds[0]);
	    i++) {
		if (problem_kinds[i].status == status) {
			kind = problem_kinds[i].kind;
			title = problem_kinds[i].title;
		}
	}

	doc = json_pack("{s:s+, s:s, s:i, s:s}", "type",
	    "urn:ampmeter:problem:", kind, "title", title, "status", status,
	    "detail", detail);
	if (doc != NULL && p != NULL && p->count > 0) {
		errors = json_array();
		n = p->count < PROBLEMS_MAX ? p->count : PROBLEMS_MAX;
		for (i = 0; i < n; i++) {
			e = json_pack("{s:s, s:s}", where,
			    p->items[i].pointer, "detail", p->items[i].detail);
			(void)json_array_append_new(errors, e);
		}
		(void)json_object_set_new(doc, "errors", errors);
	}
	text = doc == NULL ? NULL : json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	if (text == NULL) {
		http_response(req, 500, NULL, 0);
		return;
	}
	api_json(req, status, text, strlen(text));
	free(text);
}

static const struct api_op *
op_find(struct http_request *req, const struct api_resource *res)
{
	const struct api_op	*op;

	for (op = res->ops; op->method != 0; op++) {
		if (op->method == req->method)
			return (op);
	}
	return (NULL);
}

static void
method_not_allowed(struct http_request *req, const struct api_resource *res)
{
	const struct api_op	*op;
	char			 allow[64];
	size_t			 n;

	allow[0] = '\0';
	for (op = res->ops, n = 0; op->method != 0; op++) {
		n += (size_t)snprintf(allow + n, sizeof(allow) - n, "%s%s",
		    n ? ", " : "", http_method_text(op->method));
		if (n >= sizeof(allow))
			break;
	}
	http_response_header(req, "allow", allow);
	api_problem(req, 405, "this method is not supported here; see the "
	    "Allow header", NULL, NULL);
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

static int
params_add(struct api_call *call, const char *v)
{
	if (call->nparams >= API_PARAMS_MAX)
		fatal("api: too many SQL parameters");
	call->params[call->nparams++] = v == NULL ? NULL : kore_strdup(v);
	return (0);
}

/*
 * Declared query parameters become SQL parameters in declared order;
 * `from`/`to` are a window (defaults: the 30 days before now), `limit` an
 * integer 1-500, anything else a string. Unknown names are refused.
 */
static int
query_params(struct http_request *req, struct api_call *call,
    const struct api_op *op, amp_usec now)
{
	struct problems		 p;
	json_t			*q;
	const char		*key, *v, *const *name;
	json_t			*val;
	amp_usec		 from, to;
	char			 buf[TIME_TEXT_LEN];
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
		for (name = op->query; name != NULL && *name != NULL; name++)
			known |= strcmp(*name, key) == 0;
		if (!known)
			problems_add(&p, key, "is not a parameter of this "
			    "operation");
	}

	(void)query_window(q, now, WINDOW_DEFAULT_DAYS, op->max_window_days,
	    &from, &to, &p);

	for (name = op->query; name != NULL && *name != NULL; name++) {
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

	for (name = op->query; name != NULL && *name != NULL; name++) {
		if (strcmp(*name, "from") == 0 || strcmp(*name, "to") == 0) {
			time_format(**name == 'f' ? from : to, buf, sizeof(buf));
			params_add(call, buf);
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
body_param(struct http_request *req, struct api_call *call,
    const struct api_op *op, amp_usec now)
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
	if (op->body_check(doc, now, &p) != 0 || p.count > 0) {
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

static int
prepare(struct http_request *req, const struct api_resource *res,
    const struct api_op *op, const struct principal *who)
{
	struct api_call	*call;
	struct problems	 p;
	const char	*raw;
	char		 id[4 * 128 + 1];
	size_t		 len;
	amp_usec	 now;

	call = http_state_create(req, sizeof(*call), call_free);
	call->res = res;
	call->op = op;
	kore_pgsql_init(&call->sql);
	kore_pgsql_bind_request(&call->sql, req);
	now = now_usec();

	if (op->scopes != 0)
		params_add(call, who->org);
	if (res->id_prefix != NULL) {
		raw = req->path + strlen(res->id_prefix);
		len = strlen(raw);
		if (res->id_suffix != NULL)
			len -= strlen(res->id_suffix);	/* the route matched it */
		if (path_decode(raw, len, id, sizeof(id)) != 0 ||
		    res->id_check(id) != 0) {
			problems_init(&p);
			problems_add(&p, "id", "%s", res->id_rule);
			api_problem(req, 400, "the path names no valid id",
			    "parameter", &p);
			return (-1);
		}
		params_add(call, id);
	}
	if (op->body_check != NULL && body_param(req, call, op, now) != 0)
		return (-1);
	if (query_params(req, call, op, now) != 0)
		return (-1);
	return (0);
}

int
api_dispatch(struct http_request *req, const struct api_resource *res)
{
	const struct api_op	*op;
	struct principal	 who;
	const char		*te;
	int			 r;

	if (req->hdlr_extra != NULL)
		return (http_state_run(call_states, CALL_DONE + 1, req));

	if ((op = op_find(req, res)) == NULL) {
		method_not_allowed(req, res);
		return (KORE_RESULT_OK);
	}
	if (http_request_header(req, "transfer-encoding", &te)) {
		api_problem(req, 400, "Transfer-Encoding is not accepted; send "
		    "a Content-Length", NULL, NULL);
		return (KORE_RESULT_OK);
	}
	if (op->local != NULL && op->sql == NULL)
		return (op->local(req));

	memset(&who, 0, sizeof(who));
	if (op->scopes != 0 && auth_request(req, op->scopes, &who) != 0)
		return (KORE_RESULT_OK);

	if (prepare(req, res, op, &who) != 0)
		return (KORE_RESULT_OK);

	r = http_state_run(call_states, CALL_DONE + 1, req);
	return (r);
}

static int
call_setup(struct http_request *req)
{
	struct api_call	*call = http_state_get(req);

	if (!kore_pgsql_setup(&call->sql, "db", KORE_PGSQL_ASYNC)) {
		/* INIT: queued for a free connection; we are woken later. */
		if (call->sql.state == KORE_PGSQL_STATE_INIT)
			return (HTTP_STATE_RETRY);
		req->fsm_state = CALL_ERROR;
		return (HTTP_STATE_CONTINUE);
	}
	req->fsm_state = CALL_QUERY;
	return (HTTP_STATE_CONTINUE);
}

static int
call_query(struct http_request *req)
{
	struct api_call	*call = http_state_get(req);
	int		 lengths[API_PARAMS_MAX], formats[API_PARAMS_MAX];
	int		 i;

	for (i = 0; i < call->nparams; i++) {
		lengths[i] = call->params[i] == NULL ? 0 :
		    (int)strlen(call->params[i]);
		formats[i] = 0;
	}
	if (!kore_pgsql_query_param_fields(&call->sql, call->op->sql, 0,
	    call->nparams, (const char **)call->params, lengths, formats)) {
		req->fsm_state = CALL_ERROR;
		return (HTTP_STATE_CONTINUE);
	}
	req->fsm_state = CALL_WAIT;
	return (HTTP_STATE_CONTINUE);
}

static int
call_wait(struct http_request *req)
{
	struct api_call	*call = http_state_get(req);

	switch (call->sql.state) {
	case KORE_PGSQL_STATE_WAIT:
		return (HTTP_STATE_RETRY);
	case KORE_PGSQL_STATE_COMPLETE:
		req->fsm_state = CALL_DONE;
		break;
	case KORE_PGSQL_STATE_RESULT:
		req->fsm_state = CALL_READ;
		break;
	case KORE_PGSQL_STATE_ERROR:
		req->fsm_state = CALL_ERROR;
		break;
	default:
		kore_pgsql_continue(&call->sql);
		break;
	}
	return (HTTP_STATE_CONTINUE);
}

static int
call_read(struct http_request *req)
{
	struct api_call	*call = http_state_get(req);
	int		 bad;

	if (kore_pgsql_ntuples(&call->sql) == 1 &&
	    kore_pgsql_nfields(&call->sql) == 2 && call->body == NULL) {
		call->status = (int)kore_strtonum(kore_pgsql_getvalue(
		    &call->sql, 0, 0), 10, 200, 599, &bad);
		if (bad != KORE_RESULT_OK)
			call->status = 500;
		call->body_len = (size_t)kore_pgsql_getlength(&call->sql, 0, 1);
		call->body = kore_malloc(call->body_len + 1);
		memcpy(call->body, kore_pgsql_getvalue(&call->sql, 0, 1),
		    call->body_len);
	}
	kore_pgsql_continue(&call->sql);
	req->fsm_state = CALL_WAIT;
	return (HTTP_STATE_CONTINUE);
}

/*
 * Database trouble is 503 with Retry-After so clients retry: an
 * unreachable server, a dropped pooled connection, a full queue, a
 * cancelled or serialization-failed statement, or a schema not yet
 * migrated. Anything else is a bug of ours: 500, logged, no detail out.
 */
static int
call_error(struct http_request *req)
{
	struct api_call	*call = http_state_get(req);
	const char	*state;

	state = NULL;
	if (call->sql.result != NULL)
		state = PQresultErrorField(call->sql.result, PG_DIAG_SQLSTATE);
	if (state == NULL || strncmp(state, "08", 2) == 0 ||
	    strncmp(state, "57", 2) == 0 || strncmp(state, "53", 2) == 0 ||
	    strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 ||
	    strcmp(state, "42P01") == 0 || strcmp(state, "42883") == 0 ||
	    strcmp(state, "3F000") == 0 || strcmp(state, "55P03") == 0) {
		kore_log(LOG_NOTICE, "database unavailable (%s): %s",
		    state != NULL ? state : "no connection",
		    call->sql.error != NULL ? call->sql.error : "");
		metrics_db_unavailable();
		api_problem(req, 503, "the database is not available; retry "
		    "shortly", NULL, NULL);
	} else if (strcmp(state, "23505") == 0 || strcmp(state, "23503") == 0) {
		api_problem(req, 409, "the request conflicts with a concurrent "
		    "change; retry", NULL, NULL);
	} else {
		kore_log(LOG_ERR, "database error %s: %s", state,
		    call->sql.error != NULL ? call->sql.error : "");
		api_problem(req, 500, "the request could not be completed",
		    NULL, NULL);
	}
	return (HTTP_STATE_COMPLETE);
}

/* The pure renderer: the SQL function's data in, response text out. */
static char *
render_text(json_t *(*render)(const json_t *, int *), const char *in,
    size_t len, int *status)
{
	json_t	*data, *doc;
	char	*text, *wide;
	size_t	 wide_len;

	/* numeric sums and targets may have more digits than an int64_t. */
	wide = json_text_widen(in, len, &wide_len);
	data = json_loadb(wide != NULL ? wide : in, wide != NULL ? wide_len :
	    len, 0, NULL);
	free(wide);
	if (data == NULL)
		return (NULL);
	doc = render(data, status);
	json_decref(data);
	if (doc == NULL)
		return (NULL);
	text = json_dumps(doc, JSON_COMPACT | JSON_REAL_PRECISION(10));
	json_decref(doc);
	return (text);
}

static int
render_entry(struct kore_task *t)
{
	struct render_job	*job = (struct render_job *)t;

	job->output = render_text(job->render, job->input, job->input_len,
	    &job->status);
	return (KORE_RESULT_OK);
}

static void
render_job_free(struct render_job *job)
{
	kore_task_destroy(&job->task);
	free(job->input);
	free(job->output);
	free(job);
}

static void
call_respond_error(struct http_request *req, struct api_call *call)
{
	kore_log(LOG_ERR, "%s: rendering failed", call->res->name);
	api_problem(req, 500, "the request could not be completed", NULL, NULL);
}

static void
call_respond(struct http_request *req, struct api_call *call, char *text)
{
	if (text == NULL) {
		call_respond_error(req, call);
		return;
	}
	api_json(req, call->status, text, strlen(text));
}

/*
 * The SQL function's answer, through the op's renderer when it has one
 * and the answer is a success; a renderer that may run long goes to a task
 * thread so the worker keeps serving other requests meanwhile.
 */
static int
call_done(struct http_request *req)
{
	struct api_call		*call = http_state_get(req);
	struct render_job	*job;
	char			*text;

	if (call->body == NULL) {
		kore_log(LOG_ERR, "%s: the SQL function returned no row",
		    call->res->name);
		api_problem(req, 500, "the request could not be completed",
		    NULL, NULL);
		return (HTTP_STATE_COMPLETE);
	}
	if (call->op->render == NULL || call->status < 200 ||
	    call->status >= 300) {
		api_json(req, call->status, call->body, call->body_len);
		return (HTTP_STATE_COMPLETE);
	}
	if (!call->op->offload) {
		text = render_text(call->op->render, call->body,
		    call->body_len, &call->status);
		call_respond(req, call, text);
		free(text);
		return (HTTP_STATE_COMPLETE);
	}

	if ((job = calloc(1, sizeof(*job))) == NULL ||
	    (job->input = malloc(call->body_len)) == NULL) {
		free(job);
		call_respond_error(req, call);
		return (HTTP_STATE_COMPLETE);
	}
	memcpy(job->input, call->body, call->body_len);
	job->input_len = call->body_len;
	job->render = call->op->render;
	job->status = call->status;
	call->job = job;
	kore_task_create(&job->task, render_entry);
	kore_task_bind_request(&job->task, req);
	kore_task_run(&job->task);
	req->fsm_state = CALL_RENDER;
	return (HTTP_STATE_RETRY);
}

static int
call_render_wait(struct http_request *req)
{
	struct api_call	*call = http_state_get(req);

	if (!kore_task_finished(&call->job->task))
		return (HTTP_STATE_RETRY);
	call->status = call->job->status;
	call_respond(req, call, call->job->output);
	return (HTTP_STATE_COMPLETE);
}

static void
call_free(struct http_request *req)
{
	struct api_call	*call = http_state_get(req);
	int		 i;

	if (call == NULL)
		return;
	kore_pgsql_cleanup(&call->sql);
	/* A task still running keeps its job; Kore reaps the task later. */
	if (call->job != NULL && kore_task_finished(&call->job->task))
		render_job_free(call->job);
	for (i = 0; i < call->nparams; i++)
		kore_free(call->params[i]);
	kore_free(call->body);
	http_state_cleanup(req);
}
