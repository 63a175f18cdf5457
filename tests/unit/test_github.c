/*
 * GitHub deliveries on the community's real example payloads
 * (node_modules/@octokit/webhooks-examples, installed by npm ci; run from
 * the top of the tree), the form decoding and the signature header.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/github.h"
#include "unit.h"

#define EXAMPLES	"node_modules/@octokit/webhooks-examples/" \
			"api.github.com/index.json"
#define NOW		1779000000000000LL	/* 2026-05-17 */

static json_t	*examples;

static int
load_examples(void **state)
{
	json_error_t	err;

	(void)state;
	examples = json_load_file(EXAMPLES, 0, &err);
	if (examples == NULL)
		fprintf(stderr, "%s: %s (run npm ci)\n", EXAMPLES, err.text);
	return (examples == NULL ? -1 : 0);
}

static int
free_examples(void **state)
{
	(void)state;
	json_decref(examples);
	return (0);
}

/* The first example of an event type with this action (NULL: none). */
static json_t *
example(const char *event, const char *action)
{
	json_t		*type, *e;
	const char	*a;
	size_t		 i, j;

	json_array_foreach(examples, i, type) {
		if (strcmp(json_string_value(json_object_get(type, "name")),
		    event) != 0)
			continue;
		json_array_foreach(json_object_get(type, "examples"), j, e) {
			a = json_string_value(json_object_get(e, "action"));
			if ((a == NULL && action == NULL) || (a != NULL &&
			    action != NULL && strcmp(a, action) == 0))
				return (json_deep_copy(e));
		}
	}
	fail_msg("no example of %s %s", event, action ? action : "");
	return (NULL);
}

static const char *
field(const json_t *ev, const char *key)
{
	return (json_string_value(json_object_get(ev, key)));
}

static json_t *
mapped(const char *event, json_t *payload)
{
	struct problems	 p;
	char		 reason[GITHUB_REASON_MAX];
	json_t		*ev;

	problems_init(&p);
	assert_int_equal(github_map(event, "d-1", payload, NOW, &ev, reason,
	    &p), GITHUB_STORE);
	json_decref(payload);
	return (ev);
}

static void
ignored(const char *event, json_t *payload, const char *reason_has)
{
	struct problems	 p;
	char		 reason[GITHUB_REASON_MAX];
	json_t		*ev;

	problems_init(&p);
	assert_int_equal(github_map(event, "d-1", payload, NOW, &ev, reason,
	    &p), GITHUB_IGNORE);
	assert_null(ev);
	assert_non_null(strstr(reason, reason_has));
	json_decref(payload);
}

static void
test_signature_header(void **state)
{
	char	out[GITHUB_DIGEST_HEX + 1];
	char	hdr[128];

	(void)state;
	(void)snprintf(hdr, sizeof(hdr), "sha256=%s", "0123456789ABCDEF"
	    "0123456789abcdef0123456789abcdef0123456789abcdef");
	assert_int_equal(github_signature_parse(hdr, out), 0);
	assert_string_equal(out, "0123456789abcdef0123456789abcdef"
	    "0123456789abcdef0123456789abcdef");
	assert_int_equal(github_signature_parse(NULL, out), -1);
	assert_int_equal(github_signature_parse("", out), -1);
	assert_int_equal(github_signature_parse("sha256=", out), -1);
	assert_int_equal(github_signature_parse("sha1=0123456789abcdef0123"
	    "456789abcdef01234567", out), -1);
	hdr[strlen(hdr) - 1] = 'g';
	assert_int_equal(github_signature_parse(hdr, out), -1);
	hdr[strlen(hdr) - 1] = '\0';
	assert_int_equal(github_signature_parse(hdr, out), -1);
	(void)snprintf(hdr, sizeof(hdr), "sha256=%064d0", 0);
	assert_int_equal(github_signature_parse(hdr, out), -1);
	(void)snprintf(hdr, sizeof(hdr), "SHA256=%064d", 0);
	assert_int_equal(github_signature_parse(hdr, out), -1);
}

static void
form_is(const char *body, const char *want)
{
	char	*got;
	size_t	 len;

	got = github_form_payload(body, strlen(body), &len);
	if (want == NULL) {
		assert_null(got);
		return;
	}
	assert_non_null(got);
	assert_int_equal(len, strlen(want));
	assert_memory_equal(got, want, len);
	free(got);
}

static void
test_form_payload(void **state)
{
	char	*got;
	size_t	 len;

	(void)state;
	form_is("payload=%7B%22a%22%3A+1%7D", "{\"a\": 1}");
	form_is("x=1&payload=%7b%7d&y=2", "{}");
	form_is("pay%6Coad=a+b", "a b");
	form_is("payload=", "");
	form_is("&&payload=z&", "z");
	got = github_form_payload("payload=%00", 11, &len);
	assert_non_null(got);
	assert_int_equal(len, 1);
	assert_int_equal(got[0], '\0');
	free(got);
	form_is("", NULL);
	form_is("x=1", NULL);
	form_is("payload", NULL);
	form_is("payload=1&payload=2", NULL);
	form_is("payload=%7", NULL);
	form_is("payload=%zz", NULL);
	form_is("x=%&payload=1", NULL);
}

static void
test_utf8(void **state)
{
	(void)state;
	assert_true(utf8_valid("", 0));
	assert_true(utf8_valid("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
	    14));
	assert_false(utf8_valid("a\0b", 3));
	assert_false(utf8_valid("\xff", 1));
	assert_false(utf8_valid("\xc0\xaf", 2));		/* overlong */
	assert_false(utf8_valid("\xed\xa0\x80", 3));	/* surrogate */
	assert_false(utf8_valid("\xf4\x90\x80\x80", 4));	/* > U+10FFFF */
	assert_false(utf8_valid("\xe2\x82", 2));		/* cut short */
}

static void
test_mapping_by_event_type(void **state)
{
	static const struct {
		const char	*event, *action, *kind, *beneficiary, *at;
	} want[] = {
		{ "star", "created", "react", "self",
		    "2019-05-15T15:20:40.000000Z" },
		{ "fork", NULL, "react", "self", "2019-05-15T15:20:42.000000Z" },
		{ "issues", "opened", "create", "community", NULL },
		{ "issue_comment", "created", "create", "others", NULL },
		{ "discussion", "created", "create", "community", NULL },
		{ "discussion_comment", "created", "create", "others", NULL },
		{ "pull_request", "opened", "contribute", "community", NULL },
		{ "pull_request", "reopened", "contribute", "community", NULL },
		{ "pull_request_review", "submitted", "contribute", "others",
		    "2019-05-15T15:20:38.000000Z" },
		{ "pull_request_review_comment", "created", "create", "others",
		    NULL },
		{ "release", "published", "contribute", "community",
		    "2019-05-15T15:20:53.000000Z" },
	};
	char	 action[96], channel[128];
	json_t	*ev, *p;
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		p = example(want[i].event, want[i].action);
		(void)snprintf(channel, sizeof(channel), "github:%s",
		    json_string_value(json_object_get(json_object_get(p,
		    "repository"), "full_name")));
		ev = mapped(want[i].event, p);
		(void)snprintf(action, sizeof(action), "%s%s%s", want[i].event,
		    want[i].action ? "." : "", want[i].action ? want[i].action :
		    "");
		assert_string_equal(field(ev, "id"), "github:d-1");
		assert_string_equal(field(ev, "action"), action);
		assert_string_equal(field(ev, "kind"), want[i].kind);
		assert_string_equal(field(ev, "beneficiary"), want[i].beneficiary);
		assert_string_equal(field(ev, "channel"), channel);
		assert_string_equal(field(ev, "initiative"), "self");
		assert_true(json_is_false(json_object_get(ev, "rewarded")));
		if (want[i].at != NULL)
			assert_string_equal(field(ev, "occurred_at"), want[i].at);
		json_decref(ev);
	}
}

static void
test_watch_has_no_time_of_its_own(void **state)
{
	char	 now[TIME_TEXT_LEN];
	json_t	*ev;

	(void)state;
	time_format(NOW, now, sizeof(now));
	ev = mapped("watch", example("watch", "started"));
	assert_string_equal(field(ev, "occurred_at"), now);
	assert_string_equal(field(ev, "member"), "github:Codertocat");
	json_decref(ev);
}

static void
test_answer_counts_for_its_author(void **state)
{
	json_t	*ev;

	(void)state;
	ev = mapped("discussion", example("discussion", "answered"));
	assert_string_equal(field(ev, "member"), "github:dan2wik");
	assert_string_equal(field(ev, "kind"), "contribute");
	/* 2021-03-30T19:17:18.000-04:00, in UTC. */
	assert_string_equal(field(ev, "occurred_at"),
	    "2021-03-30T23:17:18.000000Z");
	json_decref(ev);
}

static void
test_merge_and_push(void **state)
{
	json_t	*p, *ev, *props;

	(void)state;
	p = example("pull_request", "closed");
	ignored("pull_request", json_deep_copy(p), "without a merge");
	(void)json_object_set_new(json_object_get(p, "pull_request"), "merged",
	    json_true());
	(void)json_object_set_new(json_object_get(p, "pull_request"),
	    "merged_at", json_string("2019-05-15T16:00:00Z"));
	ev = mapped("pull_request", p);
	assert_string_equal(field(ev, "occurred_at"),
	    "2019-05-15T16:00:00.000000Z");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(ev,
	    "properties"), "number")), 2);
	json_decref(ev);

	/* The first push example deletes a tag: no commits. */
	ignored("push", example("push", NULL), "without commits");
	p = example("push", NULL);
	(void)json_array_append_new(json_object_get(p, "commits"),
	    json_object());
	ev = mapped("push", p);
	props = json_object_get(ev, "properties");
	assert_int_equal(json_integer_value(json_object_get(props, "commits")),
	    1);
	assert_string_equal(field(ev, "kind"), "contribute");
	json_decref(ev);
}

static void
test_bots_ping_and_the_rest_are_ignored(void **state)
{
	json_t	*p;

	(void)state;
	ignored("ping", example("ping", NULL), "ping");
	ignored("issues", example("issues", "labeled"),
	    "not engagement: issues.labeled");
	ignored("star", example("star", "deleted"), "star.deleted");
	p = example("issues", "opened");
	(void)json_object_set_new(json_object_get(p, "sender"), "type",
	    json_string("Bot"));
	ignored("issues", p, "bot");
	p = example("issues", "opened");
	(void)json_object_set_new(json_object_get(p, "sender"), "login",
	    json_string("dependabot[bot]"));
	ignored("issues", p, "bot");
}

static void
test_payloads_missing_what_their_type_has_are_bad(void **state)
{
	struct problems	 p;
	char		 reason[GITHUB_REASON_MAX];
	json_t		*doc, *ev;

	(void)state;
	problems_init(&p);
	doc = example("issues", "opened");
	(void)json_object_del(doc, "sender");
	assert_int_equal(github_map("issues", "d", doc, NOW, &ev, reason, &p),
	    GITHUB_BAD);
	assert_true(has_problem(&p, "/sender/login"));
	json_decref(doc);

	problems_init(&p);
	doc = example("issues", "opened");
	(void)json_object_del(doc, "repository");
	assert_int_equal(github_map("issues", "d", doc, NOW, &ev, reason, &p),
	    GITHUB_BAD);
	assert_true(has_problem(&p, "/repository/full_name"));
	json_decref(doc);
}

/* Every example: a verdict, and every event one POST /v1/events takes. */
static void
test_every_example_has_a_verdict(void **state)
{
	struct problems	 p;
	char		 reason[GITHUB_REASON_MAX];
	json_t		*type, *e, *ev, *batch;
	const char	*name;
	size_t		 i, j, n, stored;

	(void)state;
	n = stored = 0;
	json_array_foreach(examples, i, type) {
		name = json_string_value(json_object_get(type, "name"));
		json_array_foreach(json_object_get(type, "examples"), j, e) {
			problems_init(&p);
			n++;
			switch (github_map(name, "72d3162e-cc78-11e3-81ab-"
			    "4c9367dc0958", e, NOW, &ev, reason, &p)) {
			case GITHUB_STORE:
				batch = json_pack("{s:[o]}", "events", ev);
				assert_int_equal(event_batch_check(batch, NOW,
				    &p), 0);
				json_decref(batch);
				stored++;
				break;
			case GITHUB_IGNORE:
				assert_true(reason[0] != '\0');
				break;
			case GITHUB_BAD:
				fail_msg("%s example %zu is bad", name, j);
			}
		}
	}
	assert_true(n > 300);
	assert_true(stored >= 20);
}

static void
test_params(void **state)
{
	struct raw_request	in;
	struct raw_answer	out;
	json_t			*p, *reply;
	char			*text, *form;
	size_t			 i, n;

	(void)state;
	memset(&in, 0, sizeof(in));
	in.now = NOW;
	p = example("issues", "opened");
	text = json_dumps(p, JSON_COMPACT);
	json_decref(p);
	in.body = text;
	in.len = strlen(text);
	in.headers[1] = "issues";
	in.headers[2] = "d-2";
	in.headers[3] = "application/json";

	raw_answer_init(&out);
	assert_int_equal(github_params(&in, &out), -1);
	assert_int_equal(out.status, 401);
	assert_true(has_problem(&out.problems, "X-Hub-Signature-256"));

	in.headers[0] = "sha256=00000000000000000000000000000000000000000000"
	    "00000000000000000000";
	raw_answer_init(&out);
	assert_int_equal(github_params(&in, &out), 0);
	assert_int_equal(out.nparams, 3);
	assert_non_null(strstr(out.params[1], "\"github:d-2\""));
	assert_null(out.params[2]);
	raw_answer_free(&out);

	/* The same payload as a form field. */
	form = malloc(3 * strlen(text) + 16);
	n = (size_t)sprintf(form, "payload=");
	for (i = 0; text[i] != '\0'; i++)
		n += (size_t)sprintf(form + n, "%%%02X",
		    (unsigned char)text[i]);
	in.body = form;
	in.len = n;
	in.headers[3] = "application/x-www-form-urlencoded";
	raw_answer_init(&out);
	assert_int_equal(github_params(&in, &out), 0);
	assert_non_null(out.params[1]);
	assert_null(out.params[2]);
	raw_answer_free(&out);

	/* Not JSON: an answer for once the signature verifies. */
	in.body = "{";
	in.len = 1;
	in.headers[3] = "application/json";
	raw_answer_init(&out);
	assert_int_equal(github_params(&in, &out), 0);
	assert_null(out.params[1]);
	reply = json_loads(out.params[2], 0, NULL);
	assert_int_equal(json_integer_value(json_object_get(reply, "status")),
	    400);
	json_decref(reply);
	raw_answer_free(&out);

	free(form);
	free(text);
}

static void
test_connector_check(void **state)
{
	struct problems	 p;
	json_t		*doc;

	(void)state;
	problems_init(&p);
	doc = json_pack("{s:s, s:[s, s]}", "secret", "01234567890123456789",
	    "staff", "octocat", "a-b-9");
	assert_int_equal(github_connector_check(doc, NOW, &p), 0);
	json_decref(doc);

	doc = json_pack("{s:s, s:[s, s, i]}", "secret", "0123456789012345678",
	    "staff", "ok", "no way", 7);
	assert_int_equal(github_connector_check(doc, NOW, &p), -1);
	assert_true(has_problem(&p, "/secret"));
	json_decref(doc);

	problems_init(&p);
	doc = json_pack("{s:s, s:[s, s]}", "secret", "01234567890123456789",
	    "staff", "ok", "a1234567890123456789012345678901234567890");
	assert_int_equal(github_connector_check(doc, NOW, &p), -1);
	assert_true(has_problem(&p, "/staff/1"));
	assert_false(has_problem(&p, "/staff/0"));
	json_decref(doc);
}

static void
test_event_slots(void **state)
{
	(void)state;
	assert_string_equal(github_event_names[github_event_slot("push")],
	    "push");
	assert_string_equal(github_event_names[github_event_slot("check_run")],
	    "other");
	assert_string_equal(github_event_names[github_event_slot(NULL)],
	    "other");
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_signature_header),
		cmocka_unit_test(test_form_payload),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_mapping_by_event_type),
		cmocka_unit_test(test_watch_has_no_time_of_its_own),
		cmocka_unit_test(test_answer_counts_for_its_author),
		cmocka_unit_test(test_merge_and_push),
		cmocka_unit_test(test_bots_ping_and_the_rest_are_ignored),
		cmocka_unit_test(test_payloads_missing_what_their_type_has_are_bad),
		cmocka_unit_test(test_every_example_has_a_verdict),
		cmocka_unit_test(test_params),
		cmocka_unit_test(test_connector_check),
		cmocka_unit_test(test_event_slots),
	};

	return (cmocka_run_group_tests(tests, load_examples, free_examples));
}
