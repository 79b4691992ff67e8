-- migrations/rollback/004_rollback.sql
-- Rollback of 004_store_notes_as_columns

-- buildamp:no-transaction
SET lock_timeout = '1s';
DROP INDEX CONCURRENTLY IF EXISTS idx_notes_priority;
DROP INDEX CONCURRENTLY IF EXISTS idx_notes_heading;

BEGIN;

SET LOCAL lock_timeout = '1s';
SET LOCAL buildamp.migrating = 'on';
ALTER TABLE notes ADD COLUMN data JSONB;
UPDATE notes SET data = jsonb_build_object('heading', heading, 'body', body, 'priority', priority, 'pinned', pinned);
-- buildamp:lint-ignore BA005
ALTER TABLE notes ALTER COLUMN data SET NOT NULL;
ALTER TABLE notes DROP COLUMN heading;
ALTER TABLE notes DROP COLUMN body;
ALTER TABLE notes DROP COLUMN priority;
ALTER TABLE notes DROP COLUMN pinned;

COMMIT;

-- buildamp:no-transaction
SET lock_timeout = '1s';
ALTER TABLE notes ADD CONSTRAINT chk_notes_heading_present CHECK (data ? 'heading' AND data -> 'heading' <> CAST('null' AS jsonb)) NOT VALID;
ALTER TABLE notes VALIDATE CONSTRAINT chk_notes_heading_present;
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS unique_notes_pinned ON notes (host, (CAST(data ->> 'pinned' AS boolean)));
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_notes_priority ON notes (host, (CAST(data ->> 'priority' AS bigint)));
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_notes_heading ON notes (host, (data ->> 'heading'));
