-- The unique index is built while the table is locked for reads and writes.
SET lock_timeout = '1s';

BEGIN;
ALTER TABLE tags ADD CONSTRAINT unique_tags_normalized_name UNIQUE (host, normalized_name);
COMMIT;
