-- migrations/rollback/005_rollback.sql
-- Rollback of 005_store_notes_as_jsonb

-- buildamp:no-transaction
SET lock_timeout = '1s';
DROP INDEX CONCURRENTLY IF EXISTS idx_notes_heading;

BEGIN;

SET LOCAL lock_timeout = '1s';
SET LOCAL buildamp.migrating = 'on';
-- DESTRUCTIVE: document keys of notes not in the model are dropped
ALTER TABLE notes ADD COLUMN heading TEXT;
ALTER TABLE notes ADD COLUMN body TEXT;
ALTER TABLE notes ADD COLUMN priority BIGINT;
ALTER TABLE notes ADD COLUMN pinned BOOLEAN DEFAULT FALSE;
UPDATE notes SET heading = (data ->> 'heading'), body = (data ->> 'body'), priority = (data ->> 'priority')::BIGINT, pinned = COALESCE((data ->> 'pinned')::BOOLEAN, FALSE);
-- buildamp:lint-ignore BA005
ALTER TABLE notes ALTER COLUMN heading SET NOT NULL;
-- buildamp:lint-ignore BA005
ALTER TABLE notes ALTER COLUMN body SET NOT NULL;
-- buildamp:lint-ignore BA005
ALTER TABLE notes ALTER COLUMN priority SET NOT NULL;
-- buildamp:lint-ignore BA005
ALTER TABLE notes ALTER COLUMN pinned SET NOT NULL;
ALTER TABLE notes DROP COLUMN data;

COMMIT;

-- buildamp:no-transaction
SET lock_timeout = '1s';
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_notes_priority ON notes (host, priority);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_notes_heading ON notes (host, heading);
