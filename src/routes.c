/*
 * The routes: the one list of what the API serves. Each route is a path
 * and its operations (method, scopes, body validator, query parameters,
 * SQL, renderer); dispatch.c finds them, metrics.c labels by their names,
 * and conf/ampmeter.conf sends every path to api_request.
 */
#include <kore/kore.h>
#include <kore/http.h>

#include "api.h"
#include "metrics.h"
#include "respond.h"
#include "static.h"
#include "core/claims.h"
#include "core/evidence.h"
#include "core/github.h"
#include "core/indicators.h"
#include "core/summary.h"
#include "core/survey_check.h"
#include "gen/schema.h"

#define GET		HTTP_METHOD_GET
#define POST		HTTP_METHOD_POST
#define PUT		HTTP_METHOD_PUT
#define DELETE		HTTP_METHOD_DELETE
#define HEAD		HTTP_METHOD_HEAD

/* The embedded web assets (static.c): GET and HEAD, no token. */
#define STATIC_OPS	{ { .method = GET, .local = static_serve }, \
			  { .method = HEAD, .local = static_serve } }

#define READ_ANY	(SCOPE_EVENTS_READ | SCOPE_INDICATORS_READ)
/* A survey front end must read the items it shows before it submits. */
#define READ_INSTRUMENTS	(READ_ANY | SCOPE_SURVEYS_WRITE)
/* Reads over a window stay bounded: at most this many days. */
#define WINDOW_MAX_DAYS	400

#define IDENT_RULE	"must be 1 to 64 characters of A-Z a-z 0-9 . _ : -"
#define MEMBER_RULE	"must be 1 to 128 characters of valid UTF-8, " \
			"without control characters, percent-encoded in " \
			"the path"

/* Every SQL function answers one row: an HTTP status and a JSON body. */
#define ANSWER		"SELECT status, body::text FROM "
/* What a belief's reads evaluated, kept for the next (api.h, keep). */
#define KEEP_BELIEFS	ANSWER "amp.keep_beliefs(p_org => $1, p => $2)"

extern const u_int8_t	asset_openapi_yaml[];
extern const u_int32_t	asset_len_openapi_yaml;

static int	local_health(struct http_request *);
static int	local_spec(struct http_request *);
static int	local_not_found(struct http_request *);

const struct api_route api_routes[] = {
	{
		.name = "healthz",
		.path = "/healthz",
		.ops = { { .method = GET, .local = local_health } },
	},
	{
		.name = "readyz",
		.path = "/readyz",
		.ops = { {
			.method = GET,
			.sql = ANSWER "amp.ready(p_expected => '"
			    AMP_SCHEMA_VERSION "')",
		} },
	},
	{
		.name = "metrics",
		.path = "/metrics",
		.ops = { { .method = GET, .local = metrics_render } },
	},
	{
		.name = "openapi",
		.path = "/openapi.yaml",
		.ops = { { .method = GET, .local = local_spec } },
	},
	{
		/* The API reference: a page and its content-hashed files. */
		.name = "docs",
		.path = "/docs",
		.ops = STATIC_OPS,
	},
	{
		.name = "docs_asset",
		.path = "/docs/{id}",
		.ops = STATIC_OPS,
	},
	{
		/* The dashboard: one page and its content-hashed files. */
		.name = "app_redirect",
		.path = "/app",
		.ops = {
			{ .method = GET, .local = static_redirect_app },
			{ .method = HEAD, .local = static_redirect_app },
		},
	},
	{
		.name = "app",
		.path = "/app/",
		.ops = STATIC_OPS,
	},
	{
		.name = "app_asset",
		.path = "/app/{id}",
		.ops = STATIC_OPS,
	},
	{
		.name = "events",
		.path = "/v1/events",
		.ops = { {
			.method = POST,
			.scopes = SCOPE_EVENTS_WRITE,
			.body_check = event_batch_check,
			.sql = ANSWER "amp.ingest_events(p_org => $1, "
			    "p_body => $2)",
		}, {
			.method = GET,
			.scopes = SCOPE_EVENTS_READ,
			.query = { "member", "channel", "campaign", "from",
			    "to", "limit", "cursor" },
			.sql = ANSWER "amp.list_events(p_org => $1, "
			    "p_member => $2, p_channel => $3, p_campaign => $4, "
			    "p_from => $5, p_to => $6, p_limit => $7, "
			    "p_cursor => $8)",
		} },
	},
	{
		.name = "results",
		.path = "/v1/results",
		.ops = { {
			.method = POST,
			.scopes = SCOPE_EVENTS_WRITE,
			.body_check = result_batch_check,
			.sql = ANSWER "amp.ingest_results(p_org => $1, "
			    "p_body => $2)",
		} },
	},
	{
		.name = "channels",
		.path = "/v1/channels",
		.ops = { {
			.method = GET,
			.scopes = READ_ANY,
			.query = { "limit", "cursor" },
			.sql = ANSWER "amp.list_channels(p_org => $1, "
			    "p_limit => $2, p_cursor => $3)",
		} },
	},
	{
		.name = "campaigns",
		.path = "/v1/campaigns",
		.ops = { {
			.method = GET,
			.scopes = READ_ANY,
			.query = { "limit", "cursor" },
			.sql = ANSWER "amp.list_campaigns(p_org => $1, "
			    "p_limit => $2, p_cursor => $3)",
		} },
	},
	{
		.name = "campaign",
		.path = "/v1/campaigns/{id}",
		.id_check = ident_check,
		.id_rule = IDENT_RULE,
		.ops = { {
			.method = GET,
			.scopes = READ_ANY,
			.sql = ANSWER "amp.get_campaign(p_org => $1, "
			    "p_id => $2)",
		}, {
			.method = PUT,
			.scopes = SCOPE_ADMIN,
			.body_check = campaign_check,
			.sql = ANSWER "amp.put_campaign(p_org => $1, "
			    "p_id => $2, p => $3)",
		} },
	},
	{
		.name = "impact",
		.path = "/v1/campaigns/{id}/impact",
		.id_check = ident_check,
		.id_rule = IDENT_RULE,
		.ops = { {
			.method = GET,
			.scopes = SCOPE_INDICATORS_READ,
			.query = { "window_days" },
			.sql = ANSWER "amp.campaign_impact(p_org => $1, "
			    "p_id => $2, p_window => $3)",
			.render = impact_render,
			.offload = true,
		} },
	},
	{
		.name = "kpis",
		.path = "/v1/kpis",
		.ops = { {
			.method = GET,
			.scopes = READ_ANY,
			.query = { "limit", "cursor" },
			.sql = ANSWER "amp.list_kpis(p_org => $1, "
			    "p_limit => $2, p_cursor => $3)",
		} },
	},
	{
		.name = "kpi",
		.path = "/v1/kpis/{id}",
		.id_check = ident_check,
		.id_rule = IDENT_RULE,
		.ops = { {
			.method = GET,
			.scopes = READ_ANY,
			.sql = ANSWER "amp.get_kpi(p_org => $1, "
			    "p_metric => $2)",
		}, {
			.method = PUT,
			.scopes = SCOPE_ADMIN,
			.body_check = kpi_check,
			.sql = ANSWER "amp.put_kpi(p_org => $1, "
			    "p_metric => $2, p => $3)",
		} },
	},
	{
		.name = "indicators",
		.path = "/v1/indicators",
		.ops = { {
			.method = GET,
			.scopes = SCOPE_INDICATORS_READ,
			.query = { "channel", "campaign", "from", "to" },
			.max_window_days = WINDOW_MAX_DAYS,
			.sql = ANSWER "amp.indicators(p_org => $1, "
			    "p_channel => $2, p_campaign => $3, p_from => $4, "
			    "p_to => $5)",
			.render = indicators_render,
		} },
	},
	{
		.name = "series",
		.path = "/v1/indicators/series",
		.ops = { {
			.method = GET,
			.scopes = SCOPE_INDICATORS_READ,
			.query = { "interval", "channel", "campaign", "from",
			    "to" },
			.max_window_days = WINDOW_MAX_DAYS,
			.budget = true,
			.sql = ANSWER "amp.indicator_series(p_org => $1, "
			    "p_interval => $2, p_channel => $3, "
			    "p_campaign => $4, p_from => $5, p_to => $6, "
			    "p_budget_ms => $7)",
			.render = series_render,
		} },
	},
	{
		.name = "member",
		.path = "/v1/members/{id}",
		.id_check = member_check,
		.id_rule = MEMBER_RULE,
		.ops = { {
			.method = GET,
			.scopes = SCOPE_EVENTS_READ,
			.sql = ANSWER "amp.member_profile(p_org => $1, "
			    "p_member => $2)",
		}, {
			.method = DELETE,
			.scopes = SCOPE_ADMIN,
			.sql = ANSWER "amp.erase_member(p_org => $1, "
			    "p_member => $2)",
		} },
	},
	{
		.name = "beliefs",
		.path = "/v1/beliefs",
		.ops = { {
			.method = POST,
			.scopes = SCOPE_INDICATORS_READ,
			.body_check = belief_check,
			.budget = true,
			.sql = ANSWER "amp.create_belief(p_org => $1, p => $2, "
			    "p_budget_ms => $3)",
			.render = belief_render,
			.offload = true,
			.keep = belief_keep,
			.keep_sql = KEEP_BELIEFS,
		}, {
			.method = GET,
			.scopes = SCOPE_INDICATORS_READ,
			.query = { "limit", "cursor" },
			.budget = true,
			.sql = ANSWER "amp.list_beliefs(p_org => $1, "
			    "p_limit => $2, p_cursor => $3, p_budget_ms => $4)",
			.render = beliefs_render,
			.offload = true,
			.keep = beliefs_keep,
			.keep_sql = KEEP_BELIEFS,
		} },
	},
	{
		.name = "belief",
		.path = "/v1/beliefs/{id}",
		.id_check = ident_check,
		.id_rule = IDENT_RULE,
		.ops = { {
			.method = GET,
			.scopes = SCOPE_INDICATORS_READ,
			.budget = true,
			.sql = ANSWER "amp.get_belief(p_org => $1, p_id => $2, "
			    "p_budget_ms => $3)",
			.render = belief_render,
			.offload = true,
			.keep = belief_keep,
			.keep_sql = KEEP_BELIEFS,
		} },
	},
	{
		.name = "instruments",
		.path = "/v1/instruments",
		.ops = { {
			.method = GET,
			.scopes = READ_INSTRUMENTS,
			.query = { "limit", "cursor" },
			.sql = ANSWER "amp.list_instruments(p_org => $1, "
			    "p_limit => $2, p_cursor => $3)",
		} },
	},
	{
		.name = "instrument",
		.path = "/v1/instruments/{id}",
		.id_check = ident_check,
		.id_rule = IDENT_RULE,
		.ops = { {
			.method = GET,
			.scopes = READ_INSTRUMENTS,
			.sql = ANSWER "amp.get_instrument(p_org => $1, "
			    "p_id => $2)",
		}, {
			.method = PUT,
			.scopes = SCOPE_ADMIN,
			.body_check = instrument_check,
			.sql = ANSWER "amp.put_instrument(p_org => $1, "
			    "p_id => $2, p => $3)",
		} },
	},
	{
		.name = "survey_responses",
		.path = "/v1/surveys/responses",
		.ops = { {
			.method = POST,
			.scopes = SCOPE_SURVEYS_WRITE,
			.body_check = response_batch_check,
			.sql = ANSWER "amp.ingest_responses(p_org => $1, "
			    "p_body => $2)",
		} },
	},
	{
		.name = "survey_summary",
		.path = "/v1/surveys/summary",
		.ops = { {
			.method = GET,
			.scopes = SCOPE_INDICATORS_READ,
			.query = { "instrument", "from", "to", "channel",
			    "campaign" },
			.max_window_days = WINDOW_MAX_DAYS,
			.sql = ANSWER "amp.survey_summary(p_org => $1, "
			    "p_instrument => $2, p_from => $3, p_to => $4, "
			    "p_channel => $5, p_campaign => $6)",
			.render = survey_summary,
		} },
	},
	{
		.name = "settings",
		.path = "/v1/settings",
		.ops = { {
			.method = GET,
			.scopes = SCOPE_ADMIN,
			.sql = ANSWER "amp.get_settings(p_org => $1)",
		}, {
			.method = PUT,
			.scopes = SCOPE_ADMIN,
			.body_check = settings_check,
			.sql = ANSWER "amp.put_settings(p_org => $1, p => $2)",
		} },
	},
	{
		.name = "connector_github",
		.path = "/v1/connectors/github",
		.ops = { {
			.method = GET,
			.scopes = SCOPE_ADMIN,
			.headers = { "host", "x-forwarded-proto" },
			.sql = ANSWER "amp.get_github_connector(p_org => $1, "
			    "p_host => $2, p_proto => $3)",
		}, {
			.method = PUT,
			.scopes = SCOPE_ADMIN,
			.body_check = github_connector_check,
			.headers = { "host", "x-forwarded-proto" },
			.sql = ANSWER "amp.put_github_connector(p_org => $1, "
			    "p => $2, p_host => $3, p_proto => $4)",
		}, {
			.method = DELETE,
			.scopes = SCOPE_ADMIN,
			.sql = ANSWER "amp.delete_github_connector(p_org => $1)",
		} },
	},
	{
		/* No token: the org's secret signs the body (core/github.c). */
		.name = "hook_github",
		.path = "/v1/hooks/github/{id}",
		.id_check = ident_check,
		.id_rule = IDENT_RULE,
		.ops = { {
			.method = POST,
			.raw_body = github_params,
			.headers = GITHUB_HEADERS,
			.sql = ANSWER "amp.github_delivery(p_org => $1, "
			    "p_body => $2, p_signature => $3, p_event => $4, "
			    "p_reply => $5)",
			.answered = metrics_github,
		} },
	},
	{
		/* Last: every other path, whatever the method. */
		.name = "fallback",
		.path = NULL,
		.ops = {
			{ .method = GET, .local = local_not_found },
			{ .method = POST, .local = local_not_found },
			{ .method = PUT, .local = local_not_found },
			{ .method = DELETE, .local = local_not_found },
			{ .method = HTTP_METHOD_HEAD, .local = local_not_found },
			{ .method = HTTP_METHOD_PATCH,
			    .local = local_not_found },
			{ .method = HTTP_METHOD_OPTIONS,
			    .local = local_not_found },
		},
	},
};

const size_t	api_routes_count = sizeof(api_routes) / sizeof(api_routes[0]);

static int
local_health(struct http_request *req)
{
	static const char	body[] = "{\"status\":\"ok\"}";

	api_json(req, 200, body, sizeof(body) - 1);
	return (KORE_RESULT_OK);
}

static int
local_spec(struct http_request *req)
{
	respond(req, 200, "application/yaml", asset_openapi_yaml,
	    asset_len_openapi_yaml, CACHE_PUBLIC);
	return (KORE_RESULT_OK);
}

static int
local_not_found(struct http_request *req)
{
	api_problem(req, 404, "no resource lives at this path", NULL, NULL);
	return (KORE_RESULT_OK);
}
