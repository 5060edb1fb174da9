#!/bin/sh
# One-shot job (in the temporalio/admin-tools image): creates Temporal's two databases in Postgres and brings both
# schemas to the version this image ships. Every step is idempotent: an existing database is kept, setup-schema
# leaves a schema that is past version 0.0 alone, and update-schema applies only the versions not yet applied. So
# it runs on every start, and after an upgrade of the images it applies the new server's schema before the server
# starts.
# temporal-sql-tool reads its connection from SQL_PLUGIN (postgres12), SQL_HOST, SQL_PORT, SQL_USER, SQL_PASSWORD.
set -eu

# The versioned schema folders the admin-tools image ships; TEMPORAL_SCHEMA_DIR points elsewhere outside it.
schemas=${TEMPORAL_SCHEMA_DIR:-/etc/temporal/schema/postgresql/v12}

setup() { # <database> <schema folder>
  temporal-sql-tool --db "$1" create-database
  temporal-sql-tool --db "$1" setup-schema -v 0.0
  temporal-sql-tool --db "$1" update-schema -d "$schemas/$2/versioned"
}

# The names the server reads by default (its DBNAME and VISIBILITY_DBNAME).
setup temporal temporal
setup temporal_visibility visibility
