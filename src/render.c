/*
 * Renderers: pure computations (src/core) on the data an SQL function
 * gathered. A renderer that may run long (bootstraps, belief tests) runs
 * in a Kore task thread so that the worker keeps serving meanwhile.
 */
#include <stdlib.h>
#include <string.h>

#include <kore/kore.h>
#include <kore/http.h>
#include <kore/tasks.h>

#include <jansson.h>

#include "api.h"
#include "call.h"
#include "core/jsontext.h"

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

static char	*render_text(json_t *(*)(const json_t *, int *), const char *,
		    size_t, int *);
static int	render_entry(struct kore_task *);
static void	render_respond(struct http_request *, struct api_call *,
		    char *);

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
render_respond(struct http_request *req, struct api_call *call, char *text)
{
	if (text == NULL) {
		kore_log(LOG_ERR, "%s: rendering failed", call->route->name);
		api_problem(req, 500, "the request could not be completed",
		    NULL, NULL);
		return;
	}
	api_json(req, call->status, text, strlen(text));
}

/*
 * Renders the call's answer: at once (HTTP_STATE_COMPLETE), or in a task
 * thread (HTTP_STATE_RETRY: render_wait answers when it is done).
 */
int
render_start(struct http_request *req, struct api_call *call)
{
	struct render_job	*job;
	char			*text;

	if (!call->op->offload) {
		text = render_text(call->op->render, call->body,
		    call->body_len, &call->status);
		render_respond(req, call, text);
		free(text);
		return (HTTP_STATE_COMPLETE);
	}
	if ((job = calloc(1, sizeof(*job))) == NULL ||
	    (job->input = malloc(call->body_len)) == NULL) {
		free(job);
		render_respond(req, call, NULL);
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
	return (HTTP_STATE_RETRY);
}

int
render_wait(struct http_request *req, struct api_call *call)
{
	if (!kore_task_finished(&call->job->task))
		return (HTTP_STATE_RETRY);
	call->status = call->job->status;
	render_respond(req, call, call->job->output);
	return (HTTP_STATE_COMPLETE);
}

void
render_free(struct api_call *call)
{
	struct render_job	*job = call->job;

	/* A task still running keeps its job; Kore reaps the task later. */
	if (job == NULL || !kore_task_finished(&job->task))
		return;
	kore_task_destroy(&job->task);
	free(job->input);
	free(job->output);
	free(job);
	call->job = NULL;
}
