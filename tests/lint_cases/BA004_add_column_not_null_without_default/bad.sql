-- Fails as soon as people has a row.
SET lock_timeout = '1s';

BEGIN;
ALTER TABLE people ADD COLUMN score BIGINT NOT NULL;
COMMIT;
