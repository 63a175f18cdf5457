/*
 * Renderers: pure computations (src/core) on the data an SQL function
 * gathered. A renderer that may run long (bootstraps, belief tests) runs
 * in a Kore task thread so that the worker keeps serving meanwhile. What
 * comes out, the response text and what of it to keep (api.h), goes to
 * the call (call.c answers it).
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
	json_t			*(*keep)(const json_t *, const json_t *);
	char			 *input;
	size_t			  input_len;
	char			 *output;
	char			 *kept;
	int			  status;
};

static char	*render_text(struct render_job *);
static int	render_entry(struct kore_task *);

/*
 * The pure renderer: the SQL function's data in, response text out, and
 * the text of what to keep (job->kept) when the operation keeps any.
 */
static char *
render_text(struct render_job *job)
{
	json_t	*data, *doc, *keep;
	char	*text, *wide;
	size_t	 wide_len;
	const char *in = job->input;
	size_t	 len = job->input_len;

	/* numeric sums and targets may have more digits than an int64_t. */
	wide = json_text_widen(in, len, &wide_len);
	data = json_loadb(wide != NULL ? wide : in, wide != NULL ? wide_len :
	    len, 0, NULL);
	free(wide);
	if (data == NULL)
		return (NULL);
	doc = job->render(data, &job->status);
	if (doc != NULL && job->keep != NULL &&
	    (keep = job->keep(data, doc)) != NULL) {
		job->kept = json_dumps(keep, JSON_COMPACT);
		json_decref(keep);
	}
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

	job->output = render_text(job);
	return (KORE_RESULT_OK);
}

/* The job's outputs go to the call (and are freed with it). */
static int
render_done(struct api_call *call, struct render_job *job)
{
	call->status = job->status;
	call->text = job->output;
	call->kept = job->kept;
	job->output = job->kept = NULL;
	return (HTTP_STATE_COMPLETE);
}

/*
 * Renders the call's answer into call->text (NULL: it failed) and
 * call->kept: at once (HTTP_STATE_COMPLETE), or in a task thread
 * (HTTP_STATE_RETRY: render_wait says when it is done).
 */
int
render_start(struct http_request *req, struct api_call *call)
{
	struct render_job	*job;

	if ((job = calloc(1, sizeof(*job))) == NULL ||
	    (job->input = malloc(call->body_len + 1)) == NULL) {
		free(job);
		return (HTTP_STATE_COMPLETE);
	}
	memcpy(job->input, call->body, call->body_len);
	job->input_len = call->body_len;
	job->render = call->op->render;
	job->keep = call->op->keep;
	job->status = call->status;
	call->job = job;
	if (!call->op->offload) {
		job->output = render_text(job);
		return (render_done(call, job));
	}
	kore_task_create(&job->task, render_entry);
	kore_task_bind_request(&job->task, req);
	kore_task_run(&job->task);
	return (HTTP_STATE_RETRY);
}

int
render_wait(struct api_call *call)
{
	if (!kore_task_finished(&call->job->task))
		return (HTTP_STATE_RETRY);
	return (render_done(call, call->job));
}

void
render_free(struct api_call *call)
{
	struct render_job	*job = call->job;

	free(call->text);
	free(call->kept);
	call->text = call->kept = NULL;
	/* A task still running keeps its job; Kore reaps the task later. */
	if (job == NULL || (call->op->offload &&
	    !kore_task_finished(&job->task)))
		return;
	if (call->op->offload)
		kore_task_destroy(&job->task);
	free(job->input);
	free(job->output);
	free(job->kept);
	free(job);
	call->job = NULL;
}
