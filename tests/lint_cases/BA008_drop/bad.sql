-- Code still reading people.legacy or old_audit breaks, and the data is gone.
SET lock_timeout = '1s';

BEGIN;
ALTER TABLE people DROP COLUMN legacy;
DROP TABLE old_audit;
COMMIT;
