-- The schema version a PostgreSQL database has reached (see schema-pg.sql): one row.
CREATE TABLE IF NOT EXISTS schema_version (version bigint NOT NULL);
