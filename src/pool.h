#ifndef AMP_POOL_H
#define AMP_POOL_H

#include <kore/kore.h>
#include <kore/http.h>

struct api_call;

/* Kore database names: reads and writes have connections of their own. */
#define POOL_READ	0
#define POOL_WRITE	1

void	pool_init(void);
int	pool_acquire(struct http_request *, struct api_call *);
void	pool_release(struct api_call *);
/* When the call's request is due (ms, as kore_time_ms): answer or 503. */
u_int64_t	pool_deadline(const struct api_call *);

#endif
