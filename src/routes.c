/*
 * The routes: each resource is a table of operations (method, scope, body
 * validator, query parameters, SQL). conf/ampmeter.conf maps paths to the
 * handler functions below.
 */
#include <kore/kore.h>
#include <kore/http.h>

#include "api.h"
#include "metrics.h"
#include "routes.h"
#include "core/claims.h"
#include "core/evidence.h"
#include "core/indicators.h"
#include "core/summary.h"
#include "core/survey_check.h"
#include "gen/schema.h"

#define READ_ANY	(SCOPE_EVENTS_READ | SCOPE_INDICATORS_READ)
/* A survey front end must read the items it shows before it submits. */
#define READ_INSTRUMENTS	(READ_ANY | SCOPE_SURVEYS_WRITE)
/* Reads over a window stay bounded: at most this many days. */
#define WINDOW_MAX_DAYS	400

extern const u_int8_t	asset_openapi_yaml[];
extern const u_int32_t	asset_len_openapi_yaml;

static int	local_health(struct http_request *);
static int	local_spec(struct http_request *);
static int	local_not_found(struct http_request *);

static const char *const page_query[] = { "limit", "cursor", NULL };
static const char *const indicators_query[] = { "channel", "campaign",
    "from", "to", NULL };
static const char *const series_query[] = { "interval", "channel",
    "campaign", "from", "to", NULL };
static const char *const impact_query[] = { "window_days", NULL };
static const char *const events_query[] = { "member", "channel",
    "campaign", "from", "to", "limit", "cursor", NULL };
static const char *const summary_query[] = { "instrument", "from", "to",
    "channel", "campaign", NULL };

static const struct api_op healthz_ops[] = {
	{ HTTP_METHOD_GET, 0, NULL, NULL, 0, NULL, local_health, NULL, 0 },
	{ 0, 0, NULL, NULL, 0, NULL, NULL, NULL, 0 }
};
static const struct api_op readyz_ops[] = {
	{ HTTP_METHOD_GET, 0, NULL, NULL, 0,
	    "SELECT status, body::text FROM amp.ready('" AMP_SCHEMA_VERSION "')",
	    NULL, NULL, 0 },
	{ 0, 0, NULL, NULL, 0, NULL, NULL, NULL, 0 }
};
static const struct api_op metrics_ops[] = {
	{ HTTP_METHOD_GET, 0, NULL, NULL, 0, NULL, metrics_render, NULL, 0 },
	{ 0, 0, NULL, NULL, 0, NULL, NULL, NULL, 0 }
};
static const struct api_op spec_ops[] = {
	{ HTTP_METHOD_GET, 0, NULL, NULL, 0, NULL, local_spec, NULL, 0 },
	{ 0, 0, NULL, NULL, 0, NULL, NULL, NULL, 0 }
};
static const struct api_op events_ops[] = {
	{ HTTP_METHOD_POST, SCOPE_EVENTS_WRITE, event_batch_check, NULL, 0,
	    "SELECT status, body::text FROM amp.ingest_events($1, $2)", NULL, NULL, 0 },
	{ HTTP_METHOD_GET, SCOPE_EVENTS_READ, NULL, events_query, 0,
	    "SELECT status, body::text FROM amp.list_events($1, $2, $3, $4, "
	    "$5::timestamptz, $6::timestamptz, $7::int, $8)", NULL, NULL, 0 },
	{ 0, 0, NULL, NULL, 0, NULL, NULL, NULL, 0 }
};
static const struct api_op results_ops[] = {
	{ HTTP_METHOD_POST, SCOPE_EVENTS_WRITE, result_batch_check, NULL, 0,
	    "SELECT status, body::text FROM amp.ingest_results($1, $2)",
	    NULL, NULL, 0 },
	{ 0, 0, NULL, NULL, 0, NULL, NULL, NULL, 0 }
};
static const struct api_op campaigns_ops[] = {
	{ HTTP_METHOD_GET, READ_ANY, NULL, page_query, 0,
	    "SELECT status, body::text FROM amp.list_campaigns($1, $2::int, "
	    "$3)", NULL, NULL, 0 },
	{ 0, 0, NULL, NULL, 0, NULL, NULL, NULL, 0 }
};
static const struct api_op campaign_ops[] = {
	{ HTTP_METHOD_GET, READ_ANY, NULL, NULL, 0,
	    "SELECT status, body::text FROM amp.get_campaign($1, $2)", NULL, NULL, 0 },
	{ HTTP_METHOD_PUT, SCOPE_ADMIN, campaign_check, NULL, 0,
	    "SELECT status, body::text FROM amp.put_campaign($1, $2, $3)",
	    NULL, NULL, 0 },
	{ 0, 0, NULL, NULL, 0, NULL, NULL, NULL, 0 }
};
static const struct api_op kpis_ops[] = {
	{ HTTP_METHOD_GET, READ_ANY, NULL, page_query, 0,
	    "SELECT status, body::text FROM amp.list_kpis($1, $2::int, $3)",
	    NULL, NULL, 0 },
	{ 0, 0, NULL, NULL, 0, NULL, NULL, NULL, 0 }
};
static const struct api_op kpi_ops[] = {
	{ HTTP_METHOD_GET, READ_ANY, NULL, NULL, 0,
	    "SELECT status, body::text FROM amp.get_kpi($1, $2)", NULL, NULL, 0 },
	{ HTTP_METHOD_PUT, SCOPE_ADMIN, kpi_check, NULL, 0,
	    "SELECT status, body::text FROM amp.put_kpi($1, $2, $3)", NULL, NULL, 0 },
	{ 0, 0, NULL, NULL, 0, NULL, NULL, NULL, 0 }
};
static const struct api_op indicators_ops[] = {
	{ HTTP_METHOD_GET, SCOPE_INDICATORS_READ, NULL, indicators_query,
	    WINDOW_MAX_DAYS,
	    "SELECT status, body::text FROM amp.indicators($1, $2, $3, "
	    "$4::timestamptz, $5::timestamptz)", NULL, indicators_render, 0 },
	{ 0, 0, NULL, NULL, 0, NULL, NULL, NULL, 0 }
};
static const struct api_op series_ops[] = {
	{ HTTP_METHOD_GET, SCOPE_INDICATORS_READ, NULL, series_query,
	    WINDOW_MAX_DAYS,
	    "SELECT status, body::text FROM amp.indicator_series($1, $2, $3, "
	    "$4, $5::timestamptz, $6::timestamptz)", NULL, series_render, 0 },
	{ 0, 0, NULL, NULL, 0, NULL, NULL, NULL, 0 }
};
static const struct api_op member_ops[] = {
	{ HTTP_METHOD_GET, SCOPE_EVENTS_READ, NULL, NULL, 0,
	    "SELECT status, body::text FROM amp.member_profile($1, $2)", NULL,
	    NULL, 0 },
	{ HTTP_METHOD_DELETE, SCOPE_ADMIN, NULL, NULL, 0,
	    "SELECT status, body::text FROM amp.erase_member($1, $2)", NULL,
	    NULL, 0 },
	{ 0, 0, NULL, NULL, 0, NULL, NULL, NULL, 0 }
};
static const struct api_op impact_ops[] = {
	{ HTTP_METHOD_GET, SCOPE_INDICATORS_READ, NULL, impact_query, 0,
	    "SELECT status, body::text FROM amp.campaign_impact($1, $2, $3)",
	    NULL, impact_render, 1 },
	{ 0, 0, NULL, NULL, 0, NULL, NULL, NULL, 0 }
};
static const struct api_op beliefs_ops[] = {
	{ HTTP_METHOD_POST, SCOPE_INDICATORS_READ, belief_check, NULL, 0,
	    "SELECT status, body::text FROM amp.create_belief($1, $2)", NULL,
	    belief_render, 1 },
	{ HTTP_METHOD_GET, SCOPE_INDICATORS_READ, NULL, page_query, 0,
	    "SELECT status, body::text FROM amp.list_beliefs($1, $2::int, $3)",
	    NULL, beliefs_render, 1 },
	{ 0, 0, NULL, NULL, 0, NULL, NULL, NULL, 0 }
};
static const struct api_op belief_ops[] = {
	{ HTTP_METHOD_GET, SCOPE_INDICATORS_READ, NULL, NULL, 0,
	    "SELECT status, body::text FROM amp.get_belief($1, $2)", NULL,
	    belief_render, 1 },
	{ 0, 0, NULL, NULL, 0, NULL, NULL, NULL, 0 }
};
static const struct api_op instruments_ops[] = {
	{ HTTP_METHOD_GET, READ_INSTRUMENTS, NULL, page_query, 0,
	    "SELECT status, body::text FROM amp.list_instruments($1, $2::int, "
	    "$3)", NULL, NULL, 0 },
	{ 0, 0, NULL, NULL, 0, NULL, NULL, NULL, 0 }
};
static const struct api_op instrument_ops[] = {
	{ HTTP_METHOD_GET, READ_INSTRUMENTS, NULL, NULL, 0,
	    "SELECT status, body::text FROM amp.get_instrument($1, $2)",
	    NULL, NULL, 0 },
	{ HTTP_METHOD_PUT, SCOPE_ADMIN, instrument_check, NULL, 0,
	    "SELECT status, body::text FROM amp.put_instrument($1, $2, $3)",
	    NULL, NULL, 0 },
	{ 0, 0, NULL, NULL, 0, NULL, NULL, NULL, 0 }
};
static const struct api_op survey_responses_ops[] = {
	{ HTTP_METHOD_POST, SCOPE_SURVEYS_WRITE, response_batch_check, NULL, 0,
	    "SELECT status, body::text FROM amp.ingest_responses($1, $2)",
	    NULL, NULL, 0 },
	{ 0, 0, NULL, NULL, 0, NULL, NULL, NULL, 0 }
};
static const struct api_op survey_summary_ops[] = {
	{ HTTP_METHOD_GET, SCOPE_INDICATORS_READ, NULL, summary_query,
	    WINDOW_MAX_DAYS,
	    "SELECT status, body::text FROM amp.survey_summary($1, $2, "
	    "$3::timestamptz, $4::timestamptz, $5, $6)", NULL, survey_summary, 0 },
	{ 0, 0, NULL, NULL, 0, NULL, NULL, NULL, 0 }
};
static const struct api_op settings_ops[] = {
	{ HTTP_METHOD_GET, SCOPE_ADMIN, NULL, NULL, 0,
	    "SELECT status, body::text FROM amp.get_settings($1)", NULL, NULL, 0 },
	{ HTTP_METHOD_PUT, SCOPE_ADMIN, settings_check, NULL, 0,
	    "SELECT status, body::text FROM amp.put_settings($1, $2)",
	    NULL, NULL, 0 },
	{ 0, 0, NULL, NULL, 0, NULL, NULL, NULL, 0 }
};
static const struct api_op fallback_ops[] = {
	{ HTTP_METHOD_GET, 0, NULL, NULL, 0, NULL, local_not_found, NULL, 0 },
	{ HTTP_METHOD_POST, 0, NULL, NULL, 0, NULL, local_not_found, NULL, 0 },
	{ HTTP_METHOD_PUT, 0, NULL, NULL, 0, NULL, local_not_found, NULL, 0 },
	{ HTTP_METHOD_DELETE, 0, NULL, NULL, 0, NULL, local_not_found, NULL, 0 },
	{ HTTP_METHOD_HEAD, 0, NULL, NULL, 0, NULL, local_not_found, NULL, 0 },
	{ HTTP_METHOD_PATCH, 0, NULL, NULL, 0, NULL, local_not_found, NULL, 0 },
	{ HTTP_METHOD_OPTIONS, 0, NULL, NULL, 0, NULL, local_not_found, NULL, 0 },
	{ 0, 0, NULL, NULL, 0, NULL, NULL, NULL, 0 }
};

#define IDENT_RULE	"must be 1 to 64 characters of A-Z a-z 0-9 . _ : -"
#define MEMBER_RULE	"must be 1 to 128 characters, without control " \
			"characters, percent-encoded in the path"

#define RESOURCE_ID(fn, prefix, suffix, check, rule, ops)		\
	static const struct api_resource fn##_resource = {		\
		#fn, prefix, suffix, check, rule, ops			\
	};								\
	int								\
	fn(struct http_request *req)					\
	{								\
		return (api_dispatch(req, &fn##_resource));		\
	}
#define RESOURCE(fn, prefix, ops)					\
	static const struct api_resource fn##_resource = {		\
		#fn, prefix, NULL, ident_check, IDENT_RULE, ops		\
	};								\
	int								\
	fn(struct http_request *req)					\
	{								\
		return (api_dispatch(req, &fn##_resource));		\
	}

RESOURCE(route_healthz, NULL, healthz_ops)
RESOURCE(route_readyz, NULL, readyz_ops)
RESOURCE(route_metrics, NULL, metrics_ops)
RESOURCE(route_openapi, NULL, spec_ops)
RESOURCE(route_events, NULL, events_ops)
RESOURCE(route_results, NULL, results_ops)
RESOURCE(route_campaigns, NULL, campaigns_ops)
RESOURCE(route_campaign, "/v1/campaigns/", campaign_ops)
RESOURCE(route_kpis, NULL, kpis_ops)
RESOURCE(route_kpi, "/v1/kpis/", kpi_ops)
RESOURCE(route_indicators, NULL, indicators_ops)
RESOURCE(route_series, NULL, series_ops)
RESOURCE_ID(route_member, "/v1/members/", NULL, member_check, MEMBER_RULE,
    member_ops)
RESOURCE_ID(route_impact, "/v1/campaigns/", "/impact", ident_check,
    IDENT_RULE, impact_ops)
RESOURCE(route_beliefs, NULL, beliefs_ops)
RESOURCE(route_belief, "/v1/beliefs/", belief_ops)
RESOURCE(route_instruments, NULL, instruments_ops)
RESOURCE(route_instrument, "/v1/instruments/", instrument_ops)
RESOURCE(route_survey_responses, NULL, survey_responses_ops)
RESOURCE(route_survey_summary, NULL, survey_summary_ops)
RESOURCE(route_settings, NULL, settings_ops)
RESOURCE(route_fallback, NULL, fallback_ops)

/* Metric labels: the handler names above, as the config binds them. */
const char *const route_names[] = {
	"route_healthz", "route_readyz", "route_metrics", "route_openapi",
	"route_events", "route_results", "route_campaigns", "route_campaign",
	"route_kpis", "route_kpi", "route_indicators", "route_series",
	"route_member", "route_impact", "route_beliefs", "route_belief",
	"route_instruments", "route_instrument",
	"route_survey_responses", "route_survey_summary", "route_settings",
	"route_fallback", NULL
};

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
	http_response_header(req, "content-type", "application/yaml");
	http_response(req, 200, asset_openapi_yaml, asset_len_openapi_yaml);
	metrics_record(req, 200);
	return (KORE_RESULT_OK);
}

static int
local_not_found(struct http_request *req)
{
	api_problem(req, 404, "no resource lives at this path", NULL, NULL);
	return (KORE_RESULT_OK);
}
