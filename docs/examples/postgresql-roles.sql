-- Once, as a PostgreSQL superuser, connected to the history's database
-- (made first with: createdb -E UTF8 collusion):
--     psql -d collusion -f postgresql-roles.sql
-- collusion: the nightly workers and scans, which create and write the tables.
-- collusion_read: regulators' queries (collusion history alerts|seen, psql), SELECT only.
CREATE ROLE collusion LOGIN;
CREATE ROLE collusion_read LOGIN;
GRANT USAGE, CREATE ON SCHEMA public TO collusion;
GRANT USAGE ON SCHEMA public TO collusion_read;
-- Every table collusion creates, now or in a later version, is readable by collusion_read.
ALTER DEFAULT PRIVILEGES FOR ROLE collusion IN SCHEMA public
    GRANT SELECT ON TABLES TO collusion_read;
