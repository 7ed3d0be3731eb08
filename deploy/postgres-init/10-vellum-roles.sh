#!/bin/sh
# Run once by the postgres image when it creates its data directory (docker-entrypoint-initdb.d).
# The roles of docs/database-roles.md: the schema's owner (runs `vellum migrate` only), the group
# roles vellum_app and vellum_auditor (created here so that the login roles can join them before
# the first migration; the migration then grants to them), and one login role per service.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
     --set owner_password="$OWNER_DB_PASSWORD" \
     --set server_password="$SERVER_DB_PASSWORD" \
     --set sealer_password="$SEALER_DB_PASSWORD" \
     --set auditor_password="$AUDITOR_DB_PASSWORD" <<'SQL'
CREATE ROLE vellum_owner LOGIN PASSWORD :'owner_password';
CREATE ROLE vellum_app NOLOGIN;
CREATE ROLE vellum_auditor NOLOGIN;
CREATE ROLE vellum_server LOGIN PASSWORD :'server_password' IN ROLE vellum_app;
CREATE ROLE vellum_sealer LOGIN PASSWORD :'sealer_password' IN ROLE vellum_app;
CREATE ROLE auditor LOGIN PASSWORD :'auditor_password' IN ROLE vellum_auditor;
-- The owner of the database owns its public schema (PostgreSQL 15: pg_database_owner), so
-- `vellum migrate` can create the tables there and grant on them without being a superuser.
CREATE DATABASE vellum OWNER vellum_owner;
SQL
