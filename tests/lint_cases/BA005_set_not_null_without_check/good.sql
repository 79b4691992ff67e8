-- Prove NOT NULL with a validated check first; SET NOT NULL then skips the scan.
SET lock_timeout = '1s';

-- buildamp:no-transaction
ALTER TABLE people ADD CONSTRAINT chk_people_nickname_not_null CHECK (nickname IS NOT NULL) NOT VALID;
ALTER TABLE people VALIDATE CONSTRAINT chk_people_nickname_not_null;

BEGIN;
ALTER TABLE people ALTER COLUMN nickname SET NOT NULL;
ALTER TABLE people DROP CONSTRAINT chk_people_nickname_not_null;
COMMIT;
