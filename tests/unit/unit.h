/*
 * Helpers shared by the unit tests. Include after <cmocka.h>.
 */
#ifndef AMP_TEST_UNIT_H
#define AMP_TEST_UNIT_H

#include <math.h>
#include <string.h>

#include "core/validate.h"

/* cmocka 1.1.5 only compares floats; these need doubles. */
static inline void
near(double got, double want, double eps, const char *file, int line)
{
	if (fabs(got - want) <= eps)
		return;
	print_error("%.17g != %.17g (tolerance %g)\n", got, want, eps);
	_fail(file, line);
}

/* Whether the problems name `pointer`. */
static inline int
has_problem(const struct problems *p, const char *pointer)
{
	size_t	i;

	for (i = 0; i < p->count && i < PROBLEMS_MAX; i++) {
		if (strcmp(p->items[i].pointer, pointer) == 0)
			return (1);
	}
	return (0);
}

#endif
