#ifndef AMP_ROUTES_H
#define AMP_ROUTES_H

#include <kore/kore.h>
#include <kore/http.h>

extern const char *const	route_names[];

int	route_healthz(struct http_request *);
int	route_readyz(struct http_request *);
int	route_metrics(struct http_request *);
int	route_openapi(struct http_request *);
int	route_events(struct http_request *);
int	route_results(struct http_request *);
int	route_campaigns(struct http_request *);
int	route_campaign(struct http_request *);
int	route_kpis(struct http_request *);
int	route_kpi(struct http_request *);
int	route_indicators(struct http_request *);
int	route_series(struct http_request *);
int	route_member(struct http_request *);
int	route_impact(struct http_request *);
int	route_beliefs(struct http_request *);
int	route_belief(struct http_request *);
int	route_instruments(struct http_request *);
int	route_instrument(struct http_request *);
int	route_survey_responses(struct http_request *);
int	route_survey_summary(struct http_request *);
int	route_settings(struct http_request *);
int	route_fallback(struct http_request *);

#endif
