#ifndef AMP_RATELIMIT_H
#define AMP_RATELIMIT_H

#include <kore/kore.h>
#include <kore/http.h>

void	ratelimit_init(void);
int	ratelimit_take(struct http_request *, const char *);
uint64_t	org_key(const char *);
/* The key that requests without a token share (org_key is never 0). */
#define ORG_UNSIGNED	((uint64_t)1)

#endif
