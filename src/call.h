/*
 * A request on its way through the road: the route and operation it
 * matched, the SQL parameters gathered for it, and the database call's
 * answer. It is the request's http_state, created when the request
 * arrives and freed with it.
 */
#ifndef AMP_CALL_H
#define AMP_CALL_H

#include <kore/kore.h>
#include <kore/http.h>
#include <kore/pgsql.h>

#include <sys/queue.h>

#include "api.h"
#include "core/claims.h"

struct render_job;

enum { SLOT_NONE, SLOT_WAITING, SLOT_HELD };

struct api_call {
	struct http_request	*req;
	const struct api_route	*route;
	const struct api_op	*op;
	struct kore_pgsql	 sql;
	int			 nparams;
	char			*params[API_PARAMS_MAX];
	int			 status;
	char			*body;
	size_t			 body_len;
	struct render_job	*job;
	/* What the renderer answered (malloc'd; NULL: it failed) and what
	 * of it to keep (api.h), which is then being kept (keeping). */
	char			*text;
	char			*kept;
	int			 keeping;
	/* Admission (pool.c): the org's key, which pool, the slot, the
	 * deadline. */
	uint64_t		 org;
	int			 pool;
	int			 slot;
	int			 expired;
	/*
	 * When the request arrived (ms), for its deadline and metrics:
	 * Kore sets req->start again each time the request is resumed.
	 */
	u_int64_t		 arrived;
	/* When its statement was last sent (ms): how long one takes. */
	u_int64_t		 sent;
	const char		*db;
	TAILQ_ENTRY(api_call)	 list;
};

/* params.c: the request's SQL parameters; answers a problem on -1. */
int	params_gather(struct http_request *, struct api_call *,
	    const struct principal *);

/* call.c: run the call's SQL and answer; the request's state machine. */
int	call_start(struct http_request *);
int	call_resume(struct http_request *);
void	call_free(struct http_request *);

/* render.c: render into call->text (maybe in a task thread). */
int	render_start(struct http_request *, struct api_call *);
int	render_wait(struct api_call *);
void	render_free(struct api_call *);

#endif
