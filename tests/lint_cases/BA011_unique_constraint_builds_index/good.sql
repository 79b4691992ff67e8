-- Build the index concurrently, then attach it as the constraint (instant).
SET lock_timeout = '1s';

-- buildamp:no-transaction
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS unique_tags_normalized_name ON tags (host, normalized_name);

BEGIN;
ALTER TABLE tags ADD CONSTRAINT unique_tags_normalized_name UNIQUE USING INDEX unique_tags_normalized_name;
COMMIT;
