-- Database roles and databases of the production stack: run by the db-init service of
-- docker-compose.yml, as the PostgreSQL superuser, before anything else connects.
--
--   repairflow  LOGIN, no superuser, CREATEDB, CREATEROLE, REPLICATION or BYPASSRLS;
--               owner of database repairflow (migrate, api, worker)
--   temporal    LOGIN, no superuser, CREATEDB (temporal-sql-tool's idempotent `create`
--               needs it even when the database exists); owner of databases temporal
--               and temporal_visibility (temporal-schema, the Temporal server)
--
-- Idempotent: `docker compose up` runs it every time. It creates what is missing, sets the
-- roles' attributes and passwords again (a changed password applies on the next run),
-- gives each database to its role, and hands every object of a database's `public`
-- schema to that role (hand-over.sql), which upgrades a volume of the earlier stack where
-- one role owned everything. Nobody but a database's owner (and the superuser) may
-- connect to it.
--
-- Passwords come from the environment, never from the command line: REPAIRFLOW_DB_PASSWORD
-- and TEMPORAL_DB_PASSWORD (psql 15 or later, for \getenv).

\set ON_ERROR_STOP on
\set QUIET on

\getenv app_password REPAIRFLOW_DB_PASSWORD
\getenv temporal_password TEMPORAL_DB_PASSWORD
\if :{?app_password}
\else
\set app_password ''
\endif
\if :{?temporal_password}
\else
\set temporal_password ''
\endif
SELECT :'app_password' <> '' AND :'temporal_password' <> '' AS passwords_set \gset
\if :passwords_set
\else
DO $$ BEGIN RAISE EXCEPTION 'set REPAIRFLOW_DB_PASSWORD and TEMPORAL_DB_PASSWORD'; END $$;
\endif

-- the superuser must be a role of its own: this script takes every right from the app's
-- and Temporal's roles
DO $$
BEGIN
  IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
    RAISE EXCEPTION 'run this as the PostgreSQL superuser, not as %', current_user;
  END IF;
  IF current_user IN ('repairflow', 'temporal') THEN
    RAISE EXCEPTION 'the superuser is "%", a role this script strips of its rights: the superuser needs a name of its own (POSTGRES_USER; README, Production: docker compose)', current_user;
  END IF;
END $$;

-- roles
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'repairflow') THEN
    CREATE ROLE repairflow;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'temporal') THEN
    CREATE ROLE temporal;
  END IF;
END $$;
ALTER ROLE repairflow WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS
  PASSWORD :'app_password';
ALTER ROLE temporal WITH LOGIN NOSUPERUSER CREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS
  PASSWORD :'temporal_password';

-- databases (CREATE DATABASE cannot run in a DO block: \gexec runs it when missing)
SELECT 'CREATE DATABASE repairflow OWNER repairflow'
  WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'repairflow') \gexec
SELECT 'CREATE DATABASE temporal OWNER temporal'
  WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'temporal') \gexec
SELECT 'CREATE DATABASE temporal_visibility OWNER temporal'
  WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'temporal_visibility') \gexec
ALTER DATABASE repairflow OWNER TO repairflow;
ALTER DATABASE temporal OWNER TO temporal;
ALTER DATABASE temporal_visibility OWNER TO temporal;
-- owners keep every right on their database; the other role may not even connect
REVOKE ALL ON DATABASE repairflow FROM PUBLIC;
REVOKE ALL ON DATABASE temporal FROM PUBLIC;
REVOKE ALL ON DATABASE temporal_visibility FROM PUBLIC;

\connect repairflow
\ir hand-over.sql
\connect temporal
\ir hand-over.sql
\connect temporal_visibility
\ir hand-over.sql

\echo 'database roles repairflow and temporal are set up'
