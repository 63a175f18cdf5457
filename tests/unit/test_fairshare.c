/*
 * Unit tests for src/core/fairshare.c: how many statements one org may
 * run at once in a worker while other orgs are active.
 */
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/fairshare.h"

static void
alone_an_org_has_every_connection(void **state)
{
	(void)state;
	assert_int_equal(fairshare_per_worker(4, 2, 0), INT_MAX);
	assert_int_equal(fairshare_per_worker(4, 2, 1), INT_MAX);
}

static void
the_budget_is_divided_among_active_orgs(void **state)
{
	(void)state;
	/* The defaults: 4 statements over 2 workers, 2 each. */
	assert_int_equal(fairshare_per_worker(4, 2, 2), 1);
	assert_int_equal(fairshare_per_worker(16, 2, 2), 4);
	assert_int_equal(fairshare_per_worker(16, 2, 3), 3);	/* ceil(8/3) */
	assert_int_equal(fairshare_per_worker(2, 1, 2), 1);
	assert_int_equal(fairshare_per_worker(8, 1, 3), 3);
}

static void
every_org_runs_at_least_one(void **state)
{
	(void)state;
	assert_int_equal(fairshare_per_worker(4, 2, 1000), 1);
	assert_int_equal(fairshare_per_worker(1, 4, 2), 1);
	assert_int_equal(fairshare_per_worker(4, 0, 2), 2);	/* no workers: one */
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(alone_an_org_has_every_connection),
		cmocka_unit_test(the_budget_is_divided_among_active_orgs),
		cmocka_unit_test(every_org_runs_at_least_one),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
