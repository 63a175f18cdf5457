#ifndef AMP_CONFIG_H
#define AMP_CONFIG_H

#include <stddef.h>

/* Settings read once from the environment by the parent process. */
struct amp_config {
	char		 bind[64];
	char		 port[8];
	int		 workers;
	int		 db_conns;		/* for reads, per worker */
	int		 db_write_conns;	/* for writes, per worker */
	char		*database_url;
	int		 jwt_alg;		/* libjwt jwt_alg_t */
	unsigned char	*jwt_key;
	size_t		 jwt_key_len;
	char		*jwt_issuer;		/* NULL when not enforced */
	char		*jwt_audience;		/* NULL when not enforced */
	unsigned long	 hash_seed;
	int		 drain_seconds;		/* graceful stop, at most */
	int		 request_deadline_ms;	/* answer or 503 by then */
	char		 cold_budget_ms[16];	/* per statement, decimal */
	char		**cors;			/* exact origins, or "*" */
	size_t		 cors_count;		/* 0: no CORS headers */
	char		*metrics_token;		/* NULL: /metrics is public */
	int		 org_rate;		/* requests/s per org */
	int		 org_burst;
	int		 fair_conns;		/* divided among active orgs */
};

extern struct amp_config	amp_config;

int	config_load(struct amp_config *, char *, size_t);

#endif
