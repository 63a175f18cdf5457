/*
 * The asynchronous database call, the same for every route: set up a
 * pooled connection, send the operation's one statement with its
 * parameters, read the (status, body) row it answers, and respond —
 * through the operation's renderer when it has one. A statement with a
 * budget (api.h) that answers 102 has kept part of its work; it is sent
 * again, on a connection of the same slot, until it answers for real or
 * the request's deadline would pass before another such statement ends
 * (503, and the work kept serves the retry). What a renderer says to
 * keep (api.h) is then sent through the same states, and the rendered
 * answer goes out whatever that gives.
 */
#include <sys/types.h>

#include <string.h>

#include <kore/kore.h>
#include <kore/http.h>
#include <kore/pgsql.h>

#include <jansson.h>

#include "api.h"
#include "call.h"
#include "db.h"
#include "pool.h"
#include "metrics.h"
#include "problem.h"

enum {
	CALL_SETUP,
	CALL_QUERY,
	CALL_WAIT,
	CALL_READ,
	CALL_ERROR,
	CALL_DONE,
	CALL_RENDER,
	CALL_EXPIRED
};

static int	call_setup(struct http_request *);
static int	call_query(struct http_request *);
static int	call_wait(struct http_request *);
static int	call_read(struct http_request *);
static int	call_error(struct http_request *);
static int	call_done(struct http_request *);
static int	call_render(struct http_request *);
static int	call_expired(struct http_request *);
static void	call_problem(struct http_request *, struct api_call *);
static int	call_rendered(struct http_request *, struct api_call *);
static int	call_answer(struct http_request *, struct api_call *);

static struct http_state	call_states[] = {
	{ "CALL_SETUP", call_setup },
	{ "CALL_QUERY", call_query },
	{ "CALL_WAIT", call_wait },
	{ "CALL_READ", call_read },
	{ "CALL_ERROR", call_error },
	{ "CALL_DONE", call_done },
	{ "CALL_RENDER", call_render },
	{ "CALL_EXPIRED", call_expired },
};

#define CALL_STATES	(sizeof(call_states) / sizeof(call_states[0]))

int
call_start(struct http_request *req)
{
	struct api_call	*call = http_state_get(req);

	call->req = req;
	call->pool = call->op->method == HTTP_METHOD_GET ? POOL_READ :
	    POOL_WRITE;
	kore_pgsql_bind_request(&call->sql, req);
	req->fsm_state = CALL_SETUP;
	return (http_state_run(call_states, CALL_STATES, req));
}

int
call_resume(struct http_request *req)
{
	return (http_state_run(call_states, CALL_STATES, req));
}

static int
call_setup(struct http_request *req)
{
	struct api_call	*call = http_state_get(req);

	switch (pool_acquire(req, call)) {
	case 0:
		return (HTTP_STATE_RETRY);	/* asleep until our turn */
	case -1:
		if (call->keeping)
			return (call_answer(req, call));
		metrics_db_unavailable();
		api_problem(req, 503, "the service is busy; retry shortly",
		    NULL, NULL);
		return (HTTP_STATE_COMPLETE);
	}
	if (call->expired) {
		req->fsm_state = CALL_EXPIRED;
		return (HTTP_STATE_CONTINUE);
	}
	/* Our slot guarantees a free or new connection: no Kore queue. */
	if (!kore_pgsql_setup(&call->sql, call->db, KORE_PGSQL_ASYNC)) {
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
	const char	*keep[2];
	const char	**params = (const char **)call->params;
	int		 i, n = call->nparams;

	if (call->keeping) {
		keep[0] = call->params[0];	/* the org */
		keep[1] = call->kept;
		params = keep;
		n = 2;
	}
	for (i = 0; i < n; i++) {
		lengths[i] = params[i] == NULL ? 0 : (int)strlen(params[i]);
		formats[i] = 0;
	}
	if (!kore_pgsql_query_param_fields(&call->sql, call->keeping ?
	    call->op->keep_sql : call->op->sql, 0, n, params, lengths,
	    formats)) {
		req->fsm_state = CALL_ERROR;
		return (HTTP_STATE_CONTINUE);
	}
	call->sent = kore_time_ms();
	req->fsm_state = CALL_WAIT;
	return (HTTP_STATE_CONTINUE);
}

static int
call_wait(struct http_request *req)
{
	struct api_call	*call = http_state_get(req);

	if (call->expired) {
		req->fsm_state = CALL_EXPIRED;
		return (HTTP_STATE_CONTINUE);
	}
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
		    &call->sql, 0, 0), 10, 102, 599, &bad);
		if (bad != KORE_RESULT_OK)
			call->status = 500;
		call->body_len = (size_t)kore_pgsql_getlength(&call->sql, 0, 1);
		call->body = kore_malloc(call->body_len + 1);
		memcpy(call->body, kore_pgsql_getvalue(&call->sql, 0, 1),
		    call->body_len);
		call->body[call->body_len] = '\0';
	}
	kore_pgsql_continue(&call->sql);
	req->fsm_state = CALL_WAIT;
	return (HTTP_STATE_CONTINUE);
}

/*
 * Database trouble is 503 with Retry-After so clients retry: an
 * unreachable server, a dropped pooled connection, a full queue, a
 * cancelled or serialization-failed statement, or a schema not yet
 * migrated. A statement cancelled by statement_timeout (the request
 * deadline, set in ampmeter.c) says so, as call_expired does when the
 * deadline is noticed here first. Anything else is a bug of ours: 500,
 * logged, no detail out. Citus raises XX000 "postmaster was shut down" in
 * a backend of the coordinator whose postmaster died (kill -9) while it
 * waited on a worker: the server going away, like 57P01 from plain
 * PostgreSQL.
 */
static int
call_error(struct http_request *req)
{
	struct api_call	*call = http_state_get(req);
	const char	*state;

	state = NULL;
	if (call->sql.result != NULL)
		state = PQresultErrorField(call->sql.result, PG_DIAG_SQLSTATE);
	if (call->keeping) {
		kore_log(LOG_NOTICE, "%s: not kept (%s): %s", call->route->name,
		    state != NULL ? state : "no connection",
		    call->sql.error != NULL ? call->sql.error : "");
		return (call_answer(req, call));
	}
	if (state == NULL || strncmp(state, "08", 2) == 0 ||
	    strncmp(state, "57", 2) == 0 || strncmp(state, "53", 2) == 0 ||
	    strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 ||
	    strcmp(state, "42P01") == 0 || strcmp(state, "42883") == 0 ||
	    strcmp(state, "3F000") == 0 || strcmp(state, "55P03") == 0 ||
	    (strcmp(state, "XX000") == 0 && call->sql.error != NULL &&
	    strstr(call->sql.error, "postmaster was shut down") != NULL)) {
		kore_log(LOG_NOTICE, "database unavailable (%s): %s",
		    state != NULL ? state : "no connection",
		    call->sql.error != NULL ? call->sql.error : "");
		metrics_db_unavailable();
		api_problem(req, 503, state != NULL &&
		    strcmp(state, "57014") == 0 ? "the request could not be "
		    "answered in time; retry shortly" : "the database is not "
		    "available; retry shortly", NULL, NULL);
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

/* A problem the SQL function answered: C adds its type and title. */
static void
call_problem(struct http_request *req, struct api_call *call)
{
	json_t	*doc;

	if ((doc = json_loadb(call->body, call->body_len, 0, NULL)) == NULL) {
		kore_log(LOG_ERR, "%s: the SQL function's problem is not JSON",
		    call->route->name);
		api_problem(req, 500, "the request could not be completed",
		    NULL, NULL);
		return;
	}
	problem_send(req, call->status, doc);
}

static int
call_done(struct http_request *req)
{
	struct api_call	*call = http_state_get(req);
	u_int64_t	 now;

	if (call->keeping) {
		pool_release(call);
		return (call_answer(req, call));
	}
	if (call->status == 102 && call->op->budget) {
		/*
		 * The next statement does at least as much as this one did
		 * (one run of windows at least): one that would outlast the
		 * deadline is not begun, since it would be cancelled with its
		 * work. The 503 goes now; the work kept serves the retry.
		 */
		now = kore_time_ms();
		if (call->expired ||
		    now + (now - call->sent) >= pool_deadline(call)) {
			req->fsm_state = CALL_EXPIRED;
			return (HTTP_STATE_CONTINUE);
		}
		/* Again, in the slot we hold: Kore has a connection free. */
		kore_free(call->body);
		call->body = NULL;
		call->status = 0;
		if (!kore_pgsql_setup(&call->sql, call->db,
		    KORE_PGSQL_ASYNC)) {
			req->fsm_state = CALL_ERROR;
			return (HTTP_STATE_CONTINUE);
		}
		req->fsm_state = CALL_QUERY;
		return (HTTP_STATE_CONTINUE);
	}

	/* Kore has the connection back: the slot goes to the next in line. */
	pool_release(call);

	if (call->body == NULL || call->status < 200) {
		kore_log(LOG_ERR, "%s: the SQL function returned no row "
		    "or status %d", call->route->name, call->status);
		api_problem(req, 500, "the request could not be completed",
		    NULL, NULL);
		return (HTTP_STATE_COMPLETE);
	}
	if (call->status >= 400) {
		call_problem(req, call);
		return (HTTP_STATE_COMPLETE);
	}
	if (call->op->render == NULL || call->status >= 300) {
		api_json(req, call->status, call->body, call->body_len);
		return (HTTP_STATE_COMPLETE);
	}
	if (render_start(req, call) == HTTP_STATE_COMPLETE)
		return (call_rendered(req, call));
	req->fsm_state = CALL_RENDER;
	return (HTTP_STATE_RETRY);
}

static int
call_render(struct http_request *req)
{
	struct api_call	*call = http_state_get(req);

	if (render_wait(call) == HTTP_STATE_RETRY)
		return (HTTP_STATE_RETRY);
	return (call_rendered(req, call));
}

/* Rendered: kept first when there is something to keep, then answered. */
static int
call_rendered(struct http_request *req, struct api_call *call)
{
	if (call->text == NULL) {
		kore_log(LOG_ERR, "%s: rendering failed", call->route->name);
		api_problem(req, 500, "the request could not be completed",
		    NULL, NULL);
		return (HTTP_STATE_COMPLETE);
	}
	if (call->kept == NULL || call->op->keep_sql == NULL)
		return (call_answer(req, call));
	call->keeping = 1;
	req->fsm_state = CALL_SETUP;
	return (HTTP_STATE_CONTINUE);
}

static int
call_answer(struct http_request *req, struct api_call *call)
{
	api_json(req, call->status, call->text, strlen(call->text));
	return (HTTP_STATE_COMPLETE);
}

/* Past the deadline: the statement is cancelled, the slot given back. */
static int
call_expired(struct http_request *req)
{
	struct api_call	*call = http_state_get(req);

	db_release(&call->sql);
	pool_release(call);
	if (call->keeping)
		return (call_answer(req, call));
	kore_log(LOG_NOTICE, "%s: deadline passed", call->route->name);
	metrics_db_unavailable();
	api_problem(req, 503, "the request could not be answered in time; "
	    "retry shortly", NULL, NULL);
	return (HTTP_STATE_COMPLETE);
}

void
call_free(struct http_request *req)
{
	struct api_call	*call = http_state_get(req);
	int		 i;

	if (call == NULL)
		return;
	db_release(&call->sql);
	pool_release(call);
	render_free(call);
	for (i = 0; i < call->nparams; i++)
		kore_free(call->params[i]);
	kore_free(call->body);
	http_state_cleanup(req);
}
