#ifndef AMP_AUTH_H
#define AMP_AUTH_H

#include <kore/kore.h>
#include <kore/http.h>

#include "core/claims.h"

/* Answers 401/403 itself and returns -1 when the bearer may not proceed. */
int	auth_request(struct http_request *, unsigned, struct principal *);

#endif
