#ifndef AMP_ADMISSION_H
#define AMP_ADMISSION_H

#include <kore/kore.h>
#include <kore/http.h>

int	admission_body(struct http_request *, const char **);

#endif
