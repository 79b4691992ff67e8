-- 'Deleted' cannot be used before the transaction that added it commits.
SET lock_timeout = '1s';

BEGIN;
ALTER TYPE person_status ADD VALUE 'Deleted' AFTER 'Suspended';
ALTER TABLE people ALTER COLUMN status SET DEFAULT 'Deleted';
UPDATE people SET status = 'Deleted'::person_status WHERE deleted_at IS NOT NULL;
COMMIT;
