-- SET NOT NULL scans the whole table while holding ACCESS EXCLUSIVE.
SET lock_timeout = '1s';

BEGIN;
ALTER TABLE people ALTER COLUMN nickname SET NOT NULL;
COMMIT;
