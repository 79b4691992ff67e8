-- Both statements rewrite people under ACCESS EXCLUSIVE.
SET lock_timeout = '1s';

BEGIN;
ALTER TABLE people ALTER COLUMN age TYPE BIGINT;
ALTER TABLE people ADD COLUMN token UUID DEFAULT gen_random_uuid();
COMMIT;
