/* Numbers whose text jansson and PostgreSQL read differently. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "unit.h"

#include "core/jsontext.h"

static int
check(const char *text, struct problems *p)
{
	json_t	*doc;
	int	 r;

	doc = json_loads(text, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, NULL);
	assert_non_null(doc);
	problems_init(p);
	r = json_text_numbers_check(text, strlen(text), doc, p);
	json_decref(doc);
	return (r);
}

/* PostgreSQL's float8 refuses 1e-400 (jansson reads 0): point at it. */
static void
test_underflow_located(void **state)
{
	struct problems	p;

	(void)state;
	assert_int_equal(check("{\"a\":0,\"b\":1e-300,\"c\":4.9e-324,"
	    "\"d\":0e-999,\"e\":-0.0}", &p), 0);
	assert_int_equal(p.count, 0);
	assert_int_equal(check("{\"s\":\"1e-400\",\"x\":[1,2,{\"y~/\":1e-400}],"
	    "\"z\":-2.5E-999}", &p), -1);
	assert_int_equal(p.count, 2);
	assert_true(has_problem(&p, "/x/2/y~0~1"));
	assert_true(has_problem(&p, "/z"));
	assert_int_equal(check("[\"\\\"1\",1e-400]", &p), -1);
	assert_true(has_problem(&p, "/1"));
	assert_int_equal(check("1e-400", &p), -1);
	assert_true(has_problem(&p, ""));
}

/* Integers past 64 bits become reals, and nothing else changes. */
static void
test_widen(void **state)
{
	const char	*in;
	char		*out;
	size_t		 n;
	json_t		*doc;

	(void)state;
	in = "{\"a\":9223372036854775807,\"b\":-9223372036854775808,"
	    "\"c\":1.5e300,\"d\":\"99999999999999999999\"}";
	assert_null(json_text_widen(in, strlen(in), &n));

	in = "{\"t\":100000000000000000000,\"n\":-9223372036854775809,"
	    "\"i\":9223372036854775808,\"s\":\"123456789012345678901\"}";
	out = json_text_widen(in, strlen(in), &n);
	assert_non_null(out);
	assert_int_equal(n, strlen(out));
	assert_string_equal(out, "{\"t\":100000000000000000000.0,"
	    "\"n\":-9223372036854775809.0,\"i\":9223372036854775808.0,"
	    "\"s\":\"123456789012345678901\"}");
	doc = json_loads(out, 0, NULL);
	assert_non_null(doc);
	near(json_real_value(json_object_get(doc, "t")), 1e20, 1e5,
	    __FILE__, __LINE__);
	json_decref(doc);
	free(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_underflow_located),
		cmocka_unit_test(test_widen),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
