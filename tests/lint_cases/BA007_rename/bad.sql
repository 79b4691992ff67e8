-- Running code still says people.name and tags.
SET lock_timeout = '1s';

BEGIN;
ALTER TABLE people RENAME COLUMN name TO display_name;
ALTER TABLE tags RENAME TO labels;
COMMIT;
