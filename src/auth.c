/*
 * Bearer tokens. libjwt 1.10 takes the algorithm from the token header, so
 * the configured algorithm is pinned here: a token signed any other way
 * (none, HS256 with a public key as secret, ...) is refused.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jwt.h>

#include "api.h"
#include "auth.h"
#include "config.h"

#define TOKEN_MAX	8192

static int	verify(const char *, struct principal *, const char **);
static void	unauthorized(struct http_request *, const char *, int);

static void
unauthorized(struct http_request *req, const char *why, int had_token)
{
	http_response_header(req, "www-authenticate", had_token ?
	    "Bearer error=\"invalid_token\"" : "Bearer");
	api_problem(req, 401, why, NULL, NULL);
}

static int
verify(const char *token, struct principal *who, const char **why)
{
	jwt_t		*jwt;
	json_t		*claims, *header;
	char		*text;
	int		 r;

	if (strlen(token) > TOKEN_MAX) {
		*why = "token is larger than 8 KiB";
		return (-1);
	}
	jwt = NULL;
	if (jwt_decode(&jwt, token, amp_config.jwt_key,
	    (int)amp_config.jwt_key_len) != 0 || jwt == NULL) {
		*why = "token is malformed or its signature does not verify";
		return (-1);
	}
	if (jwt_get_alg(jwt) != (jwt_alg_t)amp_config.jwt_alg) {
		jwt_free(jwt);
		*why = "token is not signed with the accepted algorithm";
		return (-1);
	}
	text = jwt_get_headers_json(jwt, NULL);
	header = text == NULL ? NULL : json_loads(text, 0, NULL);
	free(text);
	r = header_check(header, why);
	json_decref(header);
	if (r != 0) {
		jwt_free(jwt);
		return (-1);
	}
	text = jwt_get_grants_json(jwt, NULL);
	jwt_free(jwt);
	claims = text == NULL ? NULL : json_loads(text, 0, NULL);
	free(text);
	if (!json_is_object(claims)) {
		json_decref(claims);
		*why = "token claims are not a JSON object";
		return (-1);
	}
	r = claims_check(claims, (int64_t)time(NULL), amp_config.jwt_issuer,
	    amp_config.jwt_audience, who, why);
	json_decref(claims);
	return (r);
}

int
auth_request(struct http_request *req, unsigned scopes, struct principal *who)
{
	const char	*header, *why;

	if (!http_request_header(req, "authorization", &header)) {
		unauthorized(req, "an Authorization: Bearer token is required",
		    0);
		return (-1);
	}
	if (strncasecmp(header, "Bearer ", 7) != 0 || header[7] == '\0') {
		unauthorized(req, "the Authorization header must be "
		    "\"Bearer <token>\"", 0);
		return (-1);
	}
	if (verify(header + 7, who, &why) != 0) {
		unauthorized(req, why, 1);
		return (-1);
	}
	if (!scopes_allow(who->scopes, scopes)) {
		api_problem(req, 403, "the token lacks the scope this "
		    "operation needs", NULL, NULL);
		return (-1);
	}
	return (0);
}
