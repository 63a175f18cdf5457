/*
 * Giving a database connection back. Kore 4.1 returns every connection
 * to its pool, also one that libpq found broken (the server restarted or
 * was killed): the next request then fails on it, and under steady load
 * the dead connections are handed round forever and every request
 * answers 503. A broken connection is torn down here instead, so the
 * next request opens a new one.
 */
#include <kore/kore.h>
#include <kore/pgsql.h>

#include "db.h"

void
db_release(struct kore_pgsql *sql)
{
	if (sql->conn != NULL && PQstatus(sql->conn->db) == CONNECTION_BAD) {
		kore_log(LOG_NOTICE, "dropping a broken database connection");
		/* Kore's own teardown of a connection whose socket failed. */
		kore_pgsql_handle(sql->conn, 1);
		sql->conn = NULL;
	}
	kore_pgsql_cleanup(sql);
}
