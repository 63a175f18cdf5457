#!/bin/sh
# Run once by the postgres image on a new data volume (as its superuser):
# the roles and database ampmeter expects, as scripts/pg.sh makes them for
# `make run`. amp_owner owns the database and runs the migrations; amp_app
# is the service's login and owns nothing (row-level security applies).
set -eu
: "${AMP_OWNER_PASSWORD:?AMP_OWNER_PASSWORD is not set}"
: "${AMP_APP_PASSWORD:?AMP_APP_PASSWORD is not set}"
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
    -v owner_pw="$AMP_OWNER_PASSWORD" -v app_pw="$AMP_APP_PASSWORD" <<'SQL'
CREATE ROLE amp_owner LOGIN PASSWORD :'owner_pw';
CREATE ROLE amp_app LOGIN PASSWORD :'app_pw';
CREATE DATABASE ampmeter OWNER amp_owner;
REVOKE ALL ON DATABASE ampmeter FROM PUBLIC;
GRANT CONNECT ON DATABASE ampmeter TO amp_app;
SQL
