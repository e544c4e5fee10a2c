-- Included by init.sql once connected to a database: gives the database's owner its
-- schema `public` and every object in it that another role owns (tables, views,
-- sequences, functions, enums and domains), leaving the objects of extensions alone.
-- A no-op once done; it upgrades a volume where another role created these objects.

DO $$
DECLARE
  owner_id oid := (SELECT datdba FROM pg_database WHERE datname = current_database());
  owner name := pg_get_userbyid(owner_id);
  obj record;
BEGIN
  EXECUTE format('ALTER SCHEMA public OWNER TO %I', owner);
  REVOKE CREATE ON SCHEMA public FROM PUBLIC;
  FOR obj IN
    SELECT format('ALTER %s %s OWNER TO %I',
                  CASE c.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                                 WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END,
                  c.oid::regclass, owner) AS stmt
    FROM pg_class c
    WHERE c.relnamespace = 'public'::regnamespace
      AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
      AND c.relowner <> owner_id
      -- a serial or identity column's sequence moves with its table; an extension keeps its own
      AND NOT EXISTS (SELECT FROM pg_depend d
                      WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('a', 'i', 'e'))
    UNION ALL
    SELECT format('ALTER %s %s OWNER TO %I',
                  CASE p.prokind WHEN 'p' THEN 'PROCEDURE' WHEN 'a' THEN 'AGGREGATE' ELSE 'FUNCTION' END,
                  p.oid::regprocedure, owner)
    FROM pg_proc p
    WHERE p.pronamespace = 'public'::regnamespace
      AND p.proowner <> owner_id
      AND NOT EXISTS (SELECT FROM pg_depend d
                      WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
    UNION ALL
    -- enums and domains: a table's row and array types move with the table
    SELECT format('ALTER TYPE %s OWNER TO %I', t.oid::regtype, owner)
    FROM pg_type t
    WHERE t.typnamespace = 'public'::regnamespace
      AND t.typowner <> owner_id
      AND t.typtype IN ('e', 'd')
      AND NOT EXISTS (SELECT FROM pg_depend d
                      WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e')
  LOOP
    EXECUTE obj.stmt;
  END LOOP;
END $$;
