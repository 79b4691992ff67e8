-- A constant default: no rewrite (PostgreSQL 11+), and every row has a value.
SET lock_timeout = '1s';

BEGIN;
ALTER TABLE people ADD COLUMN score BIGINT NOT NULL DEFAULT 0;
COMMIT;
