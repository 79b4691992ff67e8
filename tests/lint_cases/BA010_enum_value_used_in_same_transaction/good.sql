-- Add the value first, in autocommit; use it in the transaction after.
SET lock_timeout = '1s';

-- buildamp:no-transaction
ALTER TYPE person_status ADD VALUE IF NOT EXISTS 'Deleted' AFTER 'Suspended';

BEGIN;
ALTER TABLE people ALTER COLUMN status SET DEFAULT 'Deleted';
COMMIT;
