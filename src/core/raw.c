#include <stdlib.h>
#include <string.h>

#include "raw.h"

void
raw_answer_init(struct raw_answer *a)
{
	memset(a, 0, sizeof(*a));
	a->where = "pointer";
	problems_init(&a->problems);
}

void
raw_answer_free(struct raw_answer *a)
{
	int	i;

	for (i = 0; i < a->nparams; i++)
		free(a->params[i]);
	a->nparams = 0;
}
