#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "github.h"
#include "query.h"

/* What makes a delivery count as a stored event, beyond event and action. */
enum condition {
	IF_ANY,
	IF_MERGED,		/* pull_request.merged is true */
	IF_COMMITS		/* at least one commit pushed */
};

/*
 * One row of the mapping. Paths are "/"-separated keys in the payload.
 * The time is the first of `time` present and valid, else the receipt.
 */
struct mapping {
	const char	*event;
	const char	*action;	/* NULL: the event has no action */
	const char	*kind;
	const char	*beneficiary;
	enum condition	 condition;
	const char	*member;	/* the user object counted */
	const char	*time[2];
	const char	*number;
	const char	*url;
};

static const struct mapping	mappings[] = {
	{ .event = "star", .action = "created", .kind = "react",
	    .beneficiary = "self", .time = { "starred_at" } },
	{ .event = "watch", .action = "started", .kind = "react",
	    .beneficiary = "self" },
	{ .event = "fork", .kind = "react", .beneficiary = "self",
	    .time = { "forkee/created_at" }, .url = "forkee/html_url" },
	{ .event = "issues", .action = "opened", .kind = "create",
	    .beneficiary = "community", .time = { "issue/created_at" },
	    .number = "issue/number", .url = "issue/html_url" },
	{ .event = "issue_comment", .action = "created", .kind = "create",
	    .beneficiary = "others", .time = { "comment/created_at" },
	    .number = "issue/number", .url = "comment/html_url" },
	{ .event = "discussion", .action = "created", .kind = "create",
	    .beneficiary = "community", .time = { "discussion/created_at" },
	    .number = "discussion/number", .url = "discussion/html_url" },
	{ .event = "discussion_comment", .action = "created",
	    .kind = "create", .beneficiary = "others",
	    .time = { "comment/created_at" }, .number = "discussion/number",
	    .url = "comment/html_url" },
	/* The answer is the answerer's contribution, not the sender's. */
	{ .event = "discussion", .action = "answered", .kind = "contribute",
	    .beneficiary = "others", .member = "answer/user",
	    .time = { "discussion/answer_chosen_at", "answer/created_at" },
	    .number = "discussion/number", .url = "answer/html_url" },
	{ .event = "pull_request", .action = "opened", .kind = "contribute",
	    .beneficiary = "community", .time = { "pull_request/created_at" },
	    .number = "pull_request/number", .url = "pull_request/html_url" },
	/* A reopening has no time of its own: the last update is it. */
	{ .event = "pull_request", .action = "reopened",
	    .kind = "contribute", .beneficiary = "community",
	    .time = { "pull_request/updated_at" },
	    .number = "pull_request/number", .url = "pull_request/html_url" },
	{ .event = "pull_request", .action = "closed", .kind = "contribute",
	    .beneficiary = "community", .condition = IF_MERGED,
	    .time = { "pull_request/merged_at" },
	    .number = "pull_request/number", .url = "pull_request/html_url" },
	{ .event = "pull_request_review", .action = "submitted",
	    .kind = "contribute", .beneficiary = "others",
	    .time = { "review/submitted_at" }, .number = "pull_request/number",
	    .url = "review/html_url" },
	{ .event = "pull_request_review_comment", .action = "created",
	    .kind = "create", .beneficiary = "others",
	    .time = { "comment/created_at" }, .number = "pull_request/number",
	    .url = "comment/html_url" },
	{ .event = "push", .kind = "contribute", .beneficiary = "community",
	    .condition = IF_COMMITS, .time = { "head_commit/timestamp" },
	    .url = "compare" },
	{ .event = "release", .action = "published", .kind = "contribute",
	    .beneficiary = "community", .time = { "release/published_at" },
	    .url = "release/html_url" },
};

const char *const	github_event_names[GITHUB_EVENT_NAMES] = {
	"star", "watch", "fork", "issues", "issue_comment", "discussion",
	"discussion_comment", "pull_request", "pull_request_review",
	"pull_request_review_comment", "push", "release", "ping", "other"
};

static const struct mapping	*mapping_find(const char *, const char *,
				    int *);
static const json_t		*path_get(const json_t *, const char *);
static const char		*path_string(const json_t *, const char *);
static int			 is_bot(const json_t *);
static char			*pct_decode_form(const char *, size_t, size_t *);
static json_t			*reply_problem(int, const char *, const char *,
				    const struct problems *);
static json_t			*reply_ignored(const char *, const char *);
static int			 login_check(const char *);

size_t
github_event_slot(const char *name)
{
	size_t	i;

	for (i = 0; name != NULL && i + 1 < GITHUB_EVENT_NAMES; i++) {
		if (strcmp(github_event_names[i], name) == 0)
			return (i);
	}
	return (GITHUB_EVENT_NAMES - 1);
}

int
github_signature_parse(const char *header, char out[GITHUB_DIGEST_HEX + 1])
{
	static const char	hex[] = "0123456789abcdef";
	size_t			i;
	int			v;

	if (header == NULL || strncmp(header, "sha256=", 7) != 0)
		return (-1);
	header += 7;
	for (i = 0; i < GITHUB_DIGEST_HEX; i++) {
		if ((v = hex_value((unsigned char)header[i])) < 0)
			return (-1);
		out[i] = hex[v];
	}
	if (header[i] != '\0')
		return (-1);
	out[i] = '\0';
	return (0);
}

/* application/x-www-form-urlencoded: "+" is a space, %XX a byte. */
static char *
pct_decode_form(const char *s, size_t len, size_t *outlen)
{
	char	*out;
	long	 n;

	if ((out = malloc(len + 1)) == NULL)
		return (NULL);
	if ((n = form_decode(s, len, out, len + 1)) < 0) {
		free(out);
		return (NULL);
	}
	*outlen = (size_t)n;
	return (out);
}

char *
github_form_payload(const char *body, size_t len, size_t *outlen)
{
	const char	*field, *end, *eq;
	char		*key, *value, *found;
	size_t		 klen, vlen = 0, flen;

	found = NULL;
	*outlen = 0;
	for (field = body; field <= body + len; field = end + 1) {
		end = memchr(field, '&', (size_t)(body + len - field));
		if (end == NULL)
			end = body + len;
		flen = (size_t)(end - field);
		if (flen == 0)
			continue;
		eq = memchr(field, '=', flen);
		if (eq == NULL)
			eq = end;
		key = pct_decode_form(field, (size_t)(eq - field), &klen);
		value = eq == end ? NULL : pct_decode_form(eq + 1,
		    (size_t)(end - eq - 1), &vlen);
		if (key == NULL || (eq != end && value == NULL)) {
			free(key);
			free(value);
			goto bad;
		}
		if (klen != strlen("payload") || strcmp(key, "payload") != 0) {
			free(key);
			free(value);
			continue;
		}
		free(key);
		if (found != NULL || value == NULL) {
			free(value);
			goto bad;
		}
		found = value;
		*outlen = vlen;
	}
	return (found);
bad:
	free(found);
	*outlen = 0;
	return (NULL);
}

static const struct mapping *
mapping_find(const char *event, const char *action, int *known_event)
{
	size_t	i;

	*known_event = 0;
	for (i = 0; i < sizeof(mappings) / sizeof(mappings[0]); i++) {
		if (strcmp(mappings[i].event, event) != 0)
			continue;
		*known_event = 1;
		if (mappings[i].action == NULL || (action != NULL &&
		    strcmp(mappings[i].action, action) == 0))
			return (&mappings[i]);
	}
	return (NULL);
}

static const json_t *
path_get(const json_t *v, const char *path)
{
	char		 key[64];
	const char	*slash;
	size_t		 n;

	while (v != NULL && *path != '\0') {
		slash = strchr(path, '/');
		n = slash == NULL ? strlen(path) : (size_t)(slash - path);
		if (n >= sizeof(key))
			return (NULL);
		memcpy(key, path, n);
		key[n] = '\0';
		v = json_object_get(v, key);
		path += n + (slash != NULL);
	}
	return (v);
}

static const char *
path_string(const json_t *v, const char *path)
{
	return (path == NULL ? NULL : json_string_value(path_get(v, path)));
}

/* GitHub Apps and integrations act as bots: not people, not members. */
static int
is_bot(const json_t *user)
{
	const char	*type, *login;
	size_t		 n;

	type = json_string_value(json_object_get(user, "type"));
	login = json_string_value(json_object_get(user, "login"));
	if (type != NULL && strcmp(type, "Bot") == 0)
		return (1);
	n = login == NULL ? 0 : strlen(login);
	return (n >= 5 && strcmp(login + n - 5, "[bot]") == 0);
}

enum github_verdict
github_map(const char *event, const char *delivery, const json_t *payload,
    amp_usec now, json_t **out, char reason[GITHUB_REASON_MAX],
    struct problems *p)
{
	const struct mapping	*m;
	const json_t		*user, *commits;
	const char		*action, *login, *where, *t;
	json_t			*ev, *props;
	char			 buf[TIME_TEXT_LEN], name[GITHUB_REASON_MAX - 32];
	amp_usec		 at;
	size_t			 i;
	int			 known;

	*out = NULL;
	reason[0] = '\0';
	if (strcmp(event, "ping") == 0) {
		(void)snprintf(reason, GITHUB_REASON_MAX, "ping");
		return (GITHUB_IGNORE);
	}
	if (!json_is_object(payload)) {
		problems_add(p, "", "must be an object");
		return (GITHUB_BAD);
	}
	action = json_string_value(json_object_get(payload, "action"));
	(void)snprintf(name, sizeof(name), "%s%s%s", event,
	    action != NULL ? "." : "", action != NULL ? action : "");
	if ((m = mapping_find(event, action, &known)) == NULL) {
		(void)snprintf(reason, GITHUB_REASON_MAX, "not engagement: %s",
		    name);
		return (GITHUB_IGNORE);
	}

	user = json_object_get(payload, "sender");
	if (!json_is_string(json_object_get(user, "login"))) {
		problems_add(p, "/sender/login", "is required");
		return (GITHUB_BAD);
	}
	if (is_bot(user)) {
		(void)snprintf(reason, GITHUB_REASON_MAX, "sent by a bot");
		return (GITHUB_IGNORE);
	}
	if (m->condition == IF_MERGED && !json_is_true(path_get(payload,
	    "pull_request/merged"))) {
		(void)snprintf(reason, GITHUB_REASON_MAX, "closed without a "
		    "merge");
		return (GITHUB_IGNORE);
	}
	commits = json_object_get(payload, "commits");
	if (m->condition == IF_COMMITS && json_array_size(commits) == 0) {
		(void)snprintf(reason, GITHUB_REASON_MAX, "a push without "
		    "commits");
		return (GITHUB_IGNORE);
	}
	if (m->member != NULL) {
		user = path_get(payload, m->member);
		if (!json_is_string(json_object_get(user, "login"))) {
			(void)snprintf(buf, sizeof(buf), "/%s/login", m->member);
			problems_add(p, buf, "is required");
			return (GITHUB_BAD);
		}
		if (is_bot(user)) {
			(void)snprintf(reason, GITHUB_REASON_MAX, "counted for "
			    "a bot");
			return (GITHUB_IGNORE);
		}
	}
	login = json_string_value(json_object_get(user, "login"));

	if ((where = path_string(payload, "repository/full_name")) == NULL &&
	    (where = path_string(payload, "organization/login")) == NULL) {
		problems_add(p, "/repository/full_name", "is required (or "
		    "/organization/login)");
		return (GITHUB_BAD);
	}

	at = now;
	for (i = 0; i < 2 && m->time[i] != NULL; i++) {
		if ((t = path_string(payload, m->time[i])) != NULL &&
		    time_parse_rfc3339(t, &at) == 0)
			break;
		at = now;
	}
	time_format(at, buf, sizeof(buf));

	props = json_object();
	if (m->number != NULL && json_is_integer(path_get(payload, m->number)))
		(void)json_object_set(props, "number",
		    (json_t *)path_get(payload, m->number));
	if ((t = path_string(payload, m->url)) != NULL)
		(void)json_object_set_new(props, "url", json_string(t));
	if (m->condition == IF_COMMITS)
		(void)json_object_set_new(props, "commits",
		    json_integer((json_int_t)json_array_size(commits)));

	ev = json_pack("{s:s+, s:s+, s:s+, s:s, s:s, s:s, s:s, s:b, s:s, "
	    "s:o}",
	    "id", "github:", delivery,
	    "member", "github:", login,
	    "channel", "github:", where,
	    "action", name,
	    "kind", m->kind,
	    "occurred_at", buf,
	    "initiative", "self",
	    "rewarded", 0,
	    "beneficiary", m->beneficiary,
	    "properties", props);
	if (ev == NULL) {
		problems_add(p, "", "could not be read");
		return (GITHUB_BAD);
	}
	*out = ev;
	return (GITHUB_STORE);
}

static json_t *
reply_problem(int status, const char *detail, const char *where,
    const struct problems *p)
{
	json_t	*doc, *errors;
	size_t	 i;

	doc = json_pack("{s:i, s:s}", "status", status, "detail", detail);
	if (doc == NULL || p == NULL || p->count == 0)
		return (doc);
	errors = json_array();
	for (i = 0; i < p->count && i < PROBLEMS_MAX; i++)
		(void)json_array_append_new(errors, json_pack("{s:s, s:s}",
		    where, p->items[i].pointer, "detail", p->items[i].detail));
	(void)json_object_set_new(doc, "errors", errors);
	return (doc);
}

static json_t *
reply_ignored(const char *delivery, const char *reason)
{
	return (json_pack("{s:b, s:s?, s:s}", "stored", 0, "id", delivery,
	    "reason", reason));
}

/*
 * The verdict is settled here, but only the SQL function, holding the
 * secret, may give it: a bad or ignored delivery is answered as such
 * only once its signature verifies, so an unsigned request learns
 * nothing but 401.
 */
int
github_params(const struct raw_request *in, struct raw_answer *out)
{
	const char	*sig = in->headers[0], *event = in->headers[1];
	const char	*delivery = in->headers[2], *type = in->headers[3];
	char		 digest[GITHUB_DIGEST_HEX + 1], reason[GITHUB_REASON_MAX];
	char		 id[GITHUB_REASON_MAX], *form;
	const char	*payload;
	size_t		 plen;
	struct problems	 p;
	json_t		*doc, *ev, *reply, *batch;
	json_error_t	 err;

	if (github_signature_parse(sig, digest) != 0) {
		out->status = 401;
		(void)snprintf(out->detail, sizeof(out->detail), "%s",
		    sig == NULL ? "the delivery is not signed" :
		    "the signature is not sha256= and 64 hex digits");
		out->where = "parameter";
		problems_add(&out->problems, "X-Hub-Signature-256", "must be "
		    "sha256= and the HMAC-SHA256 of the body with the "
		    "connector's secret, in hex");
		return (-1);
	}

	problems_init(&p);
	ev = reply = NULL;
	form = NULL;
	payload = in->body;
	plen = in->len;
	if (delivery != NULL)
		(void)snprintf(id, sizeof(id), "github:%s", delivery);
	if (event == NULL || *event == '\0') {
		problems_add(&p, "X-GitHub-Event", "is required");
		reply = reply_problem(400, "the delivery names no event type",
		    "parameter", &p);
	} else if (delivery == NULL || *delivery == '\0') {
		problems_add(&p, "X-GitHub-Delivery", "is required");
		reply = reply_problem(400, "the delivery has no id", "parameter",
		    &p);
	} else if (type != NULL && strncasecmp(type,
	    "application/x-www-form-urlencoded", 33) == 0) {
		if ((form = github_form_payload(in->body, in->len, &plen)) ==
		    NULL)
			reply = reply_problem(400, "the form has no single, "
			    "well-encoded payload field", NULL, NULL);
		payload = form;
	} else if (type == NULL || strncasecmp(type, "application/json",
	    16) != 0) {
		reply = reply_problem(415, "send application/json or "
		    "application/x-www-form-urlencoded", NULL, NULL);
	}

	if (reply == NULL) {
		doc = json_loadb(payload, plen, JSON_REJECT_DUPLICATES, &err);
		if (doc == NULL) {
			reply = reply_problem(400, "the payload is not valid "
			    "JSON", NULL, NULL);
		} else {
			switch (github_map(event, id + 7, doc, in->now, &ev,
			    reason, &p)) {
			case GITHUB_STORE:
				break;
			case GITHUB_IGNORE:
				reply = reply_ignored(id, reason);
				break;
			case GITHUB_BAD:
				reply = reply_problem(422, "the payload is not "
				    "a GitHub delivery of its type", "pointer",
				    &p);
				break;
			}
			json_decref(doc);
		}
	}
	free(form);

	/* What it maps to must be an Event POST /v1/events would take. */
	if (ev != NULL) {
		batch = json_pack("{s:[O]}", "events", ev);
		if (batch == NULL || event_batch_check(batch, in->now, &p) != 0) {
			json_decref(ev);
			ev = NULL;
			reply = reply_problem(422, "the delivery maps to an event "
			    "that cannot be stored", "pointer", &p);
		}
		json_decref(batch);
	}

	out->params[0] = strdup(digest);
	out->params[1] = ev == NULL ? NULL : json_dumps(ev, JSON_COMPACT);
	out->params[2] = reply == NULL ? NULL : json_dumps(reply, JSON_COMPACT);
	out->nparams = 3;
	json_decref(ev);
	json_decref(reply);
	if (out->params[0] == NULL || (ev != NULL && out->params[1] == NULL)) {
		out->status = 500;
		(void)snprintf(out->detail, sizeof(out->detail), "the request "
		    "could not be completed");
		return (-1);
	}
	return (0);
}

static const struct field_spec	connector_fields[] = {
	{ "secret", FIELD_STRING, FIELD_REQUIRED, GITHUB_SECRET_MIN,
	    GITHUB_SECRET_MAX, NULL },
	{ "staff", FIELD_ARRAY, 0, 0, GITHUB_STAFF_MAX, NULL },
	{ NULL, 0, 0, 0, 0, NULL }
};

/* GitHub's rule for user names: 1-39 of A-Z a-z 0-9 and "-". */
static int
login_check(const char *s)
{
	size_t	n;

	for (n = 0; s[n] != '\0'; n++) {
		if (!((s[n] >= 'a' && s[n] <= 'z') ||
		    (s[n] >= 'A' && s[n] <= 'Z') ||
		    (s[n] >= '0' && s[n] <= '9') || s[n] == '-'))
			return (-1);
	}
	return (n >= 1 && n <= 39 ? 0 : -1);
}

int
github_connector_check(const json_t *root, amp_usec now, struct problems *p)
{
	const json_t	*staff, *v;
	char		 ptr[32];
	size_t		 i;

	if (object_check(root, connector_fields, "", now, p) != 0)
		return (-1);
	staff = json_object_get(root, "staff");
	json_array_foreach(staff, i, v) {
		if (!json_is_string(v) || login_check(json_string_value(v))
		    != 0) {
			(void)snprintf(ptr, sizeof(ptr), "/staff/%zu", i);
			problems_add(p, ptr, "must be a GitHub login: 1 to 39 "
			    "characters of A-Z a-z 0-9 -");
		}
	}
	return (p->count == 0 ? 0 : -1);
}
