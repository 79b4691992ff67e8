-- people.legacy was marked deprecated in an earlier release; no code uses it now.
SET lock_timeout = '1s';

BEGIN;
-- buildamp:lint-ignore BA008
ALTER TABLE people DROP COLUMN legacy;
COMMIT;
