-- Give up quickly (and retry) instead of queueing everyone behind the lock.
BEGIN;
SET LOCAL lock_timeout = '1s';
ALTER TABLE people ADD COLUMN nickname TEXT;
ALTER TABLE people ALTER COLUMN nickname SET DEFAULT '';
COMMIT;
