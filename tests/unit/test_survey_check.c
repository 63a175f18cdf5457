/* Validation of instrument definitions, response batches and settings. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "unit.h"

#include "core/survey_check.h"

/* 2026-11-25T12:00:00Z */
#define NOW	(1795608000LL * TIME_USEC_PER_SEC)

typedef int	(*checker)(const json_t *, amp_usec, struct problems *);

/* ok: expect valid; else expect a problem at `pointer`. */
static void
check(checker fn, const char *text, int ok, const char *pointer)
{
	struct problems	 p;
	json_t		*j;
	size_t		 i;

	j = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
	assert_non_null(j);
	problems_init(&p);
	if (fn(j, NOW, &p) != (ok ? 0 : -1) ||
	    (pointer != NULL && !has_problem(&p, pointer))) {
		for (i = 0; i < p.count && i < PROBLEMS_MAX; i++)
			print_error("%s: %s\n", p.items[i].pointer,
			    p.items[i].detail);
		fail_msg("%s", text);
	}
	json_decref(j);
}

#define INS(scale, items, extra) "{\"name\":\"Pulse\",\"scale\":" scale \
	",\"items\":" items extra "}"
#define SCALE7	"{\"min\":1,\"max\":7}"
#define ITEMS2	"[{\"id\":\"q1\",\"subscale\":\"aut\"}," \
	"{\"id\":\"q2\",\"subscale\":\"aut\",\"reverse\":true,\"text\":\"x\"}]"

static void
test_instrument_valid(void **state)
{
	(void)state;
	check(instrument_check, INS(SCALE7, ITEMS2, ""), 1, NULL);
	check(instrument_check, INS(SCALE7, ITEMS2, ",\"index\":null"), 1,
	    NULL);
	check(instrument_check, INS(SCALE7, ITEMS2, ",\"index\":{\"aut\":2}"),
	    1, NULL);
	/* Eleven points (0-10) is the most. */
	check(instrument_check, INS("{\"min\":0,\"max\":10}", ITEMS2, ""), 1,
	    NULL);
}

static void
test_instrument_scale(void **state)
{
	(void)state;
	check(instrument_check, INS("{\"min\":5,\"max\":5}", ITEMS2, ""), 0,
	    "/scale/max");
	check(instrument_check, INS("{\"min\":7,\"max\":1}", ITEMS2, ""), 0,
	    "/scale/max");
	check(instrument_check, INS("{\"min\":0,\"max\":11}", ITEMS2, ""), 0,
	    "/scale");
	check(instrument_check, INS("{\"min\":1.5,\"max\":7}", ITEMS2, ""), 0,
	    "/scale/min");
	check(instrument_check, INS("{\"min\":1}", ITEMS2, ""), 0,
	    "/scale/max");
	check(instrument_check, INS("{\"min\":1,\"max\":7,\"step\":1}", ITEMS2,
	    ""), 0, "/scale/step");
	check(instrument_check, INS("[1,7]", ITEMS2, ""), 0, "/scale");
}

static void
test_instrument_items(void **state)
{
	char	big[200 * 40 + 64];
	size_t	i, k, n;

	(void)state;
	check(instrument_check, INS(SCALE7, "[]", ""), 0, "/items");
	check(instrument_check, INS(SCALE7, "{}", ""), 0, "/items");
	check(instrument_check, "{\"name\":\"x\",\"scale\":" SCALE7 "}", 0,
	    "/items");
	check(instrument_check, INS(SCALE7, "[{\"id\":\"q1\",\"subscale\":\"a\"},"
	    "{\"id\":\"q1\",\"subscale\":\"b\"}]", ""), 0, "/items/1/id");
	check(instrument_check, INS(SCALE7, "[{\"id\":\"q 1\",\"subscale\":"
	    "\"a\"}]", ""), 0, "/items/0/id");
	check(instrument_check, INS(SCALE7, "[{\"id\":\"q1\",\"subscale\":"
	    "\"a/b\"}]", ""), 0, "/items/0/subscale");
	check(instrument_check, INS(SCALE7, "[{\"id\":\"q1\"}]", ""), 0,
	    "/items/0/subscale");
	check(instrument_check, INS(SCALE7, "[{\"id\":\"q1\",\"subscale\":\"a\","
	    "\"reverse\":1}]", ""), 0, "/items/0/reverse");
	check(instrument_check, INS(SCALE7, "[{\"id\":\"q1\",\"subscale\":\"a\","
	    "\"weight\":1}]", ""), 0, "/items/0/weight");
	check(instrument_check, INS(SCALE7, "[\"q1\"]", ""), 0, "/items/0");

	/* 200 items pass, 201 do not. */
	for (n = 200; n <= 201; n++) {
		i = (size_t)snprintf(big, sizeof(big), "{\"name\":\"x\","
		    "\"scale\":" SCALE7 ",\"items\":[");
		for (k = 0; k < n; k++)
			i += (size_t)snprintf(big + i, sizeof(big) - i,
			    "%s{\"id\":\"q%zu\",\"subscale\":\"s\"}",
			    k ? "," : "", k);
		(void)snprintf(big + i, sizeof(big) - i, "]}");
		check(instrument_check, big, n == 200, n == 200 ? NULL :
		    "/items");
	}
}

static void
test_instrument_index(void **state)
{
	(void)state;
	check(instrument_check, INS(SCALE7, ITEMS2, ",\"index\":{\"rel\":1}"),
	    0, "/index/rel");
	check(instrument_check, INS(SCALE7, ITEMS2, ",\"index\":{\"aut\":0}"),
	    0, "/index");
	check(instrument_check, INS(SCALE7, ITEMS2, ",\"index\":{\"aut\":\"2\"}"),
	    0, "/index/aut");
	check(instrument_check, INS(SCALE7, ITEMS2, ",\"index\":{\"aut\":101}"),
	    0, "/index/aut");
	check(instrument_check, INS(SCALE7, ITEMS2, ",\"index\":[2]"), 0,
	    "/index");
	check(instrument_check, INS(SCALE7, ITEMS2, ",\"extra\":1"), 0,
	    "/extra");
}

/* Every problem at once, not only the first field's. */
static void
test_instrument_all_problems(void **state)
{
	const char	*text = "{\"name\":\"\",\"scale\":{\"min\":3,"
	    "\"max\":2},\"items\":[{\"id\":\"q1\"}]}";

	(void)state;
	check(instrument_check, text, 0, "/name");
	check(instrument_check, text, 0, "/scale/max");
	check(instrument_check, text, 0, "/items/0/subscale");
	check(instrument_check, "[]", 0, "");
}

#define RESP(extra) "{\"responses\":[{\"id\":\"r1\",\"member\":\"m1\"," \
	"\"instrument\":\"amp-pulse-1\",\"submitted_at\":" \
	"\"2026-11-25T11:00:00Z\"" extra "}]}"

static void
test_responses(void **state)
{
	char	big[501 * 140 + 32];
	size_t	i, n, k;

	(void)state;
	check(response_batch_check, RESP(",\"answers\":{\"aut1\":3}"), 1, NULL);
	check(response_batch_check, RESP(""), 0, "/responses/0/answers");
	check(response_batch_check, RESP(",\"answers\":{}"), 0,
	    "/responses/0/answers");
	check(response_batch_check, RESP(",\"answers\":[3]"), 0,
	    "/responses/0/answers");
	check(response_batch_check, RESP(",\"answers\":{\"aut1\":3.5}"), 0,
	    "/responses/0/answers/aut1");
	check(response_batch_check, RESP(",\"answers\":{\"a/b~c\":\"3\"}"), 0,
	    "/responses/0/answers/a~1b~0c");
	check(response_batch_check, RESP(",\"answers\":{\"aut1\":null}"), 0,
	    "/responses/0/answers/aut1");
	check(response_batch_check, RESP(",\"answers\":{\"aut1\":3},"
	    "\"comment\":\"x\""), 0, "/responses/0/comment");
	check(response_batch_check, "{\"responses\":[{\"id\":\"r1\","
	    "\"member\":\"m1\",\"instrument\":\"x\",\"submitted_at\":"
	    "\"2026-11-25T13:00:00Z\",\"answers\":{\"a\":1}}]}", 0,
	    "/responses/0/submitted_at");
	check(response_batch_check, "{\"responses\":[]}", 0, "/responses");
	check(response_batch_check, "{\"events\":[]}", 0, "/responses");
	check(response_batch_check, "{\"responses\":[{\"id\":\"r1\","
	    "\"member\":\"m1\",\"instrument\":\"x\",\"submitted_at\":"
	    "\"2026-11-25T11:00:00Z\",\"answers\":{\"a\":1}},{\"id\":\"r1\","
	    "\"member\":\"m2\",\"instrument\":\"x\",\"submitted_at\":"
	    "\"2026-11-25T11:00:00Z\",\"answers\":{\"a\":1}}]}", 0,
	    "/responses/1/id");

	/* 500 responses pass, 501 do not. */
	for (n = 500; n <= 501; n++) {
		i = (size_t)snprintf(big, sizeof(big), "{\"responses\":[");
		for (k = 0; k < n; k++)
			i += (size_t)snprintf(big + i, sizeof(big) - i,
			    "%s{\"id\":\"r%zu\",\"member\":\"m\",\"instrument\":"
			    "\"x\",\"submitted_at\":\"2026-11-25T11:00:00Z\","
			    "\"answers\":{\"a\":1}}", k ? "," : "", k);
		(void)snprintf(big + i, sizeof(big) - i, "]}");
		check(response_batch_check, big, n == 500, n == 500 ? NULL :
		    "/responses");
	}
}

static void
test_settings(void **state)
{
	(void)state;
	check(settings_check, "{\"survey_min_group\":3}", 1, NULL);
	check(settings_check, "{\"survey_min_group\":5}", 1, NULL);
	check(settings_check, "{}", 1, NULL);
	check(settings_check, "{\"survey_min_group\":2}", 0,
	    "/survey_min_group");
	check(settings_check, "{\"survey_min_group\":0}", 0,
	    "/survey_min_group");
	check(settings_check, "{\"survey_min_group\":4.5}", 0,
	    "/survey_min_group");
	check(settings_check, "{\"survey_min_group\":\"5\"}", 0,
	    "/survey_min_group");
	check(settings_check, "{\"min_group\":5}", 0, "/min_group");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_instrument_valid),
		cmocka_unit_test(test_instrument_scale),
		cmocka_unit_test(test_instrument_items),
		cmocka_unit_test(test_instrument_index),
		cmocka_unit_test(test_instrument_all_problems),
		cmocka_unit_test(test_responses),
		cmocka_unit_test(test_settings),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
