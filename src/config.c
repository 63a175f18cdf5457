/*
 * Configuration comes from the environment only. A missing or invalid
 * setting stops start-up with one line naming it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jwt.h>

#include "config.h"

#define JWT_SECRET_MIN	32
#define KEY_FILE_MAX	(64 * 1024)

struct amp_config	amp_config;

static int	number_env(const char *, int, int, int, int *, char *, size_t);
static int	key_file_read(const char *, struct amp_config *, char *,
		    size_t);
static char	*optional_env(const char *);
static int	origin_valid(const char *);
static int	cors_load(struct amp_config *, char *, size_t);

static char *
optional_env(const char *name)
{
	const char	*v;

	v = getenv(name);
	if (v == NULL || *v == '\0')
		return (NULL);
	return (strdup(v));
}

static int
number_env(const char *name, int def, int min, int max, int *out, char *err,
    size_t errlen)
{
	const char	*v;
	char		*end;
	long		 n;

	v = getenv(name);
	if (v == NULL || *v == '\0') {
		*out = def;
		return (0);
	}
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno != 0 || *end != '\0' || n < min || n > max) {
		(void)snprintf(err, errlen, "%s must be a whole number from "
		    "%d to %d (got \"%s\")", name, min, max, v);
		return (-1);
	}
	*out = (int)n;
	return (0);
}

static int
key_file_read(const char *path, struct amp_config *c, char *err,
    size_t errlen)
{
	FILE	*fp;
	size_t	 n;

	if ((fp = fopen(path, "r")) == NULL) {
		(void)snprintf(err, errlen, "AMP_JWT_PUBLIC_KEY_FILE cannot be "
		    "read: %s: %s", path, strerror(errno));
		return (-1);
	}
	c->jwt_key = calloc(1, KEY_FILE_MAX + 1);
	n = c->jwt_key == NULL ? 0 : fread(c->jwt_key, 1, KEY_FILE_MAX, fp);
	(void)fclose(fp);
	if (n == 0 || strstr((char *)c->jwt_key, "-----BEGIN PUBLIC KEY-----")
	    == NULL) {
		(void)snprintf(err, errlen, "AMP_JWT_PUBLIC_KEY_FILE must hold "
		    "an SPKI PEM public key (BEGIN PUBLIC KEY): %s", path);
		return (-1);
	}
	c->jwt_key_len = n;
	return (0);
}

/* scheme://host[:port], scheme http or https, nothing after. */
static int
origin_valid(const char *o)
{
	const char	*host, *p;
	long		 port;
	char		*end;

	if (strncmp(o, "http://", 7) == 0)
		host = o + 7;
	else if (strncmp(o, "https://", 8) == 0)
		host = o + 8;
	else
		return (0);
	if (*host == '[') {
		if ((p = strchr(host, ']')) == NULL || p == host + 1)
			return (0);
		for (host++; host < p; host++)
			if (strchr("0123456789abcdefABCDEF:.", *host) == NULL)
				return (0);
		p++;
	} else {
		for (p = host; *p != '\0' && *p != ':'; p++)
			if (strchr("abcdefghijklmnopqrstuvwxyz"
			    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-", *p) == NULL)
				return (0);
		if (p == host)
			return (0);
	}
	if (*p == '\0')
		return (1);
	if (*p != ':' || p[1] < '0' || p[1] > '9')
		return (0);
	port = strtol(p + 1, &end, 10);
	return (*end == '\0' && port >= 1 && port <= 65535);
}

/* AMP_CORS_ORIGINS: a comma-separated list of exact origins, or "*". */
static int
cors_load(struct amp_config *c, char *err, size_t errlen)
{
	char	*list, *item, *save;

	if ((list = optional_env("AMP_CORS_ORIGINS")) == NULL)
		return (0);
	for (item = strtok_r(list, ",", &save); item != NULL;
	    item = strtok_r(NULL, ",", &save)) {
		while (*item == ' ')
			item++;
		item[strcspn(item, " ")] = '\0';
		if (strcmp(item, "*") != 0 && !origin_valid(item)) {
			(void)snprintf(err, errlen, "AMP_CORS_ORIGINS must be "
			    "\"*\" or origins like https://app.example.com[:port]"
			    ", comma-separated (bad: \"%s\")", item);
			return (-1);
		}
		c->cors = realloc(c->cors, (c->cors_count + 1) *
		    sizeof(*c->cors));
		if (c->cors == NULL) {
			(void)snprintf(err, errlen, "out of memory");
			return (-1);
		}
		c->cors[c->cors_count++] = strdup(item);
	}
	if (c->cors_count == 0) {
		(void)snprintf(err, errlen, "AMP_CORS_ORIGINS names no origin");
		return (-1);
	}
	return (0);
}

int
config_load(struct amp_config *c, char *err, size_t errlen)
{
	const char	*v, *alg;
	int		 port, cold;
	FILE		*fp;

	memset(c, 0, sizeof(*c));

	v = getenv("AMP_BIND");
	(void)snprintf(c->bind, sizeof(c->bind), "%s",
	    v != NULL && *v != '\0' ? v : "127.0.0.1");
	if (number_env("PORT", 8080, 1, 65535, &port, err, errlen) == -1 ||
	    number_env("AMP_WORKERS", 2, 1, 64, &c->workers, err,
	    errlen) == -1 ||
	    number_env("AMP_DB_CONNS", 4, 1, 64, &c->db_conns, err,
	    errlen) == -1 ||
	    number_env("AMP_DB_WRITE_CONNS", 2, 1, 64, &c->db_write_conns,
	    err, errlen) == -1 ||
	    number_env("AMP_DRAIN_SECONDS", 10, 0, 3600, &c->drain_seconds,
	    err, errlen) == -1 ||
	    number_env("AMP_REQUEST_DEADLINE_MS", 10000, 100, 600000,
	    &c->request_deadline_ms, err, errlen) == -1 ||
	    number_env("AMP_COLD_BUDGET_MS", 1000, 0, 600000, &cold,
	    err, errlen) == -1 ||
	    number_env("AMP_ORG_RATE", 1000, 1, 1000000, &c->org_rate, err,
	    errlen) == -1 ||
	    number_env("AMP_ORG_BURST", 2000, 1, 1000000, &c->org_burst, err,
	    errlen) == -1 ||
	    number_env("AMP_FAIR_CONNS", 4, 1, 4096, &c->fair_conns, err,
	    errlen) == -1 ||
	    cors_load(c, err, errlen) == -1)
		return (-1);
	(void)snprintf(c->port, sizeof(c->port), "%d", port);
	(void)snprintf(c->cold_budget_ms, sizeof(c->cold_budget_ms), "%d",
	    cold);

	if ((c->database_url = optional_env("DATABASE_URL")) == NULL) {
		(void)snprintf(err, errlen, "DATABASE_URL is not set");
		return (-1);
	}

	alg = getenv("AMP_JWT_ALG");
	if (alg == NULL || *alg == '\0')
		alg = "HS256";
	if (strcmp(alg, "HS256") == 0) {
		c->jwt_alg = JWT_ALG_HS256;
		v = getenv("AMP_JWT_SECRET");
		if (v == NULL || strlen(v) < JWT_SECRET_MIN) {
			(void)snprintf(err, errlen, "AMP_JWT_SECRET must be set "
			    "to at least %d bytes for HS256", JWT_SECRET_MIN);
			return (-1);
		}
		c->jwt_key = (unsigned char *)strdup(v);
		c->jwt_key_len = strlen(v);
	} else if (strcmp(alg, "RS256") == 0 || strcmp(alg, "ES256") == 0) {
		c->jwt_alg = alg[0] == 'R' ? JWT_ALG_RS256 : JWT_ALG_ES256;
		v = getenv("AMP_JWT_PUBLIC_KEY_FILE");
		if (v == NULL || *v == '\0') {
			(void)snprintf(err, errlen, "AMP_JWT_PUBLIC_KEY_FILE "
			    "must be set for %s", alg);
			return (-1);
		}
		if (key_file_read(v, c, err, errlen) == -1)
			return (-1);
	} else {
		(void)snprintf(err, errlen, "AMP_JWT_ALG must be HS256, RS256 "
		    "or ES256 (got \"%s\")", alg);
		return (-1);
	}
	c->metrics_token = optional_env("AMP_METRICS_TOKEN");
	c->jwt_issuer = optional_env("AMP_JWT_ISSUER");
	c->jwt_audience = optional_env("AMP_JWT_AUDIENCE");

	/* Workers are chroot-able and may not reach /dev/urandom later. */
	if ((fp = fopen("/dev/urandom", "r")) != NULL) {
		if (fread(&c->hash_seed, sizeof(c->hash_seed), 1, fp) != 1)
			c->hash_seed = 0;
		(void)fclose(fp);
	}
	return (0);
}
