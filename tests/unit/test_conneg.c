/*
 * Unit tests for src/core/conneg.c: when the web assets go out gzipped,
 * and when a revalidation gets 304.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/conneg.h"

static void
gzip_accepted(void **state)
{
	(void)state;
	assert_true(conneg_accepts_gzip("gzip"));
	assert_true(conneg_accepts_gzip("gzip, deflate, br, zstd"));
	assert_true(conneg_accepts_gzip("br;q=1.0, GZIP;q=0.5"));
	assert_true(conneg_accepts_gzip("*"));
	assert_true(conneg_accepts_gzip("identity, x-gzip"));
	assert_true(conneg_accepts_gzip("gzip;q=0.001"));
}

static void
gzip_refused(void **state)
{
	(void)state;
	assert_false(conneg_accepts_gzip(NULL));
	assert_false(conneg_accepts_gzip(""));
	assert_false(conneg_accepts_gzip("identity"));
	assert_false(conneg_accepts_gzip("br, deflate"));
	assert_false(conneg_accepts_gzip("gzip;q=0"));
	assert_false(conneg_accepts_gzip("gzip; q=0.000, br"));
	assert_false(conneg_accepts_gzip("*;q=0"));
	/* A longer coding whose name starts with gzip is another coding. */
	assert_false(conneg_accepts_gzip("gzipped"));
}

static void
etag_compared_weakly(void **state)
{
	(void)state;
	assert_true(conneg_etag_matches("\"abc\"", "\"abc\""));
	assert_true(conneg_etag_matches("W/\"abc\"", "\"abc\""));
	assert_true(conneg_etag_matches("\"x\", \"abc\"", "\"abc\""));
	assert_true(conneg_etag_matches("*", "\"abc\""));
	assert_false(conneg_etag_matches("\"abc-gz\"", "\"abc\""));
	assert_false(conneg_etag_matches("\"ab\"", "\"abc\""));
	assert_false(conneg_etag_matches("abc", "\"abc\""));
	assert_false(conneg_etag_matches("\"x\" junk \"abc\"", "\"abc\""));
	assert_false(conneg_etag_matches("\"abc", "\"abc\""));
	assert_false(conneg_etag_matches(NULL, "\"abc\""));
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(gzip_accepted),
		cmocka_unit_test(gzip_refused),
		cmocka_unit_test(etag_compared_weakly),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
