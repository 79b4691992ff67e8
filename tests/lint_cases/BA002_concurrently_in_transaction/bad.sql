-- PostgreSQL refuses CONCURRENTLY inside a transaction block.
SET lock_timeout = '1s';

BEGIN;
CREATE INDEX CONCURRENTLY idx_people_email ON people (host, email);
COMMIT;
