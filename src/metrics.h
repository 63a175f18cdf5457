#ifndef AMP_METRICS_H
#define AMP_METRICS_H

#include <kore/kore.h>
#include <kore/http.h>

/* Counters live in memory shared by every worker, mapped before fork. */
void	metrics_init(void);
void	metrics_record(struct http_request *, int);
void	metrics_db_unavailable(void);
int	metrics_render(struct http_request *);
void	metrics_github(struct http_request *, int);

#endif
