-- Expand: the new name next to the old one; contract in a later release.
SET lock_timeout = '1s';

BEGIN;
ALTER TABLE people ADD COLUMN display_name TEXT;
CREATE VIEW labels AS SELECT * FROM tags;
COMMIT;

-- buildamp:batch table=people size=1000
UPDATE people SET display_name = name WHERE display_name IS NULL;
