-- migrations/005_store_notes_as_jsonb.sql
-- Auto-generated from Note type changes
-- Generated: 2024-12-04 10:30:15
-- Index: idx_notes_heading - dropped from notes
-- Index: idx_notes_priority - dropped from notes
-- Table: notes - storage columns -> jsonb (Note)
-- Index: idx_notes_heading - added index on notes
-- Table: notes - storage, document fields changed in the schema state (Note)
-- buildamp:changes {"tables":["notes"],"fields":[]}

-- buildamp:no-transaction
SET lock_timeout = '1s';
DROP INDEX CONCURRENTLY IF EXISTS idx_notes_heading;
DROP INDEX CONCURRENTLY IF EXISTS idx_notes_priority;

BEGIN;

-- Forward migration
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
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_notes_heading ON notes (host, (data ->> 'heading'));

-- Rollback instructions (commented)
-- DROP INDEX CONCURRENTLY IF EXISTS idx_notes_heading;
-- -- DESTRUCTIVE: document keys of notes not in the model are dropped
-- ALTER TABLE notes ADD COLUMN heading TEXT;
-- ALTER TABLE notes ADD COLUMN body TEXT;
-- ALTER TABLE notes ADD COLUMN priority BIGINT;
-- ALTER TABLE notes ADD COLUMN pinned BOOLEAN DEFAULT FALSE;
-- UPDATE notes SET heading = (data ->> 'heading'), body = (data ->> 'body'), priority = (data ->> 'priority')::BIGINT, pinned = COALESCE((data ->> 'pinned')::BOOLEAN, FALSE);
-- -- buildamp:lint-ignore BA005
-- ALTER TABLE notes ALTER COLUMN heading SET NOT NULL;
-- -- buildamp:lint-ignore BA005
-- ALTER TABLE notes ALTER COLUMN body SET NOT NULL;
-- -- buildamp:lint-ignore BA005
-- ALTER TABLE notes ALTER COLUMN priority SET NOT NULL;
-- -- buildamp:lint-ignore BA005
-- ALTER TABLE notes ALTER COLUMN pinned SET NOT NULL;
-- ALTER TABLE notes DROP COLUMN data;
-- CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_notes_priority ON notes (host, priority);
-- CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_notes_heading ON notes (host, heading);
