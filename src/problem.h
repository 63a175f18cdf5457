#ifndef AMP_PROBLEM_H
#define AMP_PROBLEM_H

#include <kore/kore.h>
#include <kore/http.h>

#include <jansson.h>

void	problem_complete(json_t *);
void	problem_send(struct http_request *, int, json_t *);

#endif
