/*
 * ampmeter: process set-up. The parent reads the environment, listens
 * and maps shared metrics before forking workers; each worker seeds
 * jansson and registers the database.
 */
#include <kore/kore.h>
#include <kore/http.h>
#include <kore/pgsql.h>
#include <kore/seccomp.h>
#include <kore/hooks.h>

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <jansson.h>

#include "admission.h"
#include "config.h"
#include "drain.h"
#include "metrics.h"
#include "pool.h"
#include "ratelimit.h"
#include "share.h"

/*
 * libpq stats ~/.pgpass and, for host names, calls uname and resolves them
 * through glibc's DNS client (sendmmsg); glibc starts the task threads that
 * run long renders with clone3 and rseq, and grows or trims large blocks
 * (big JSON documents) with mremap and madvise.
 */
KORE_SECCOMP_FILTER("ampmeter",
	KORE_SYSCALL_ALLOW(newfstatat),
	KORE_SYSCALL_ALLOW(uname),
	KORE_SYSCALL_ALLOW(sendmmsg),
	KORE_SYSCALL_ALLOW(clone3),
	KORE_SYSCALL_ALLOW(rseq),
	KORE_SYSCALL_ALLOW(mremap),
	KORE_SYSCALL_ALLOW(madvise),
);

void	kore_parent_configure(int, char **);
void	kore_worker_configure(void);

void
kore_parent_configure(int argc, char **argv)
{
	struct kore_server	*srv;
	char			 err[256], options[128];

	kore_default_getopt(argc, argv);
	if (config_load(&amp_config, err, sizeof(err)) == -1) {
		fprintf(stderr, "ampmeter: configuration: %s\n", err);
		exit(1);
	}

	srv = kore_server_create("api");
	srv->tls = 0;
	if (!kore_server_bind(srv, amp_config.bind, amp_config.port, NULL)) {
		fprintf(stderr, "ampmeter: cannot listen on %s:%s\n",
		    amp_config.bind, amp_config.port);
		exit(1);
	}
	worker_count = (u_int8_t)amp_config.workers;

	/* A dead database must fail fast, never hang a request. */
	(void)setenv("PGCONNECT_TIMEOUT", "2", 0);
	(void)setenv("PGGSSENCMODE", "disable", 0);
	/*
	 * Nothing is acknowledged before it is durable, whatever the
	 * server's default for synchronous_commit.
	 */
	(void)snprintf(options, sizeof(options), "-c statement_timeout=%d "
	    "-c synchronous_commit=on", amp_config.request_deadline_ms);
	(void)setenv("PGOPTIONS", options, 0);
	(void)setenv("PGAPPNAME", "ampmeter", 0);

	metrics_init();
	ratelimit_init();
	share_init();
	/* Inherited by the workers: bodies only with a bearer token. */
	http_body_admit = admission_body;
}

void
kore_worker_configure(void)
{
	json_object_seed((size_t)(amp_config.hash_seed ^ (unsigned long)getpid()));
	pool_init();
	drain_init();
}
