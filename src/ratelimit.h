#ifndef AMP_RATELIMIT_H
#define AMP_RATELIMIT_H

#include <kore/kore.h>
#include <kore/http.h>

void	ratelimit_init(void);
int	ratelimit_take(struct http_request *, const char *);
uint64_t	org_key(const char *);

#endif
