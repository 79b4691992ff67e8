-- migrations/rollback/002_rollback.sql
-- Rollback of 002_rename_title_to_heading_in_notes

-- buildamp:no-transaction
SET lock_timeout = '1s';
DROP INDEX CONCURRENTLY IF EXISTS idx_notes_heading;

BEGIN;

SET LOCAL lock_timeout = '1s';
ALTER TABLE notes DROP CONSTRAINT IF EXISTS chk_notes_heading_present;
-- documents that held the default FALSE lose key pinned

COMMIT;

-- buildamp:no-transaction
SET lock_timeout = '1s';
SET buildamp.migrating = 'on';
-- buildamp:batch table=notes size=1000
UPDATE notes SET data = data - 'pinned' WHERE data -> 'pinned' = to_jsonb((FALSE)::boolean);
-- buildamp:batch table=notes size=1000
UPDATE notes SET data = (data - 'heading') || jsonb_build_object('title', data -> 'heading') WHERE data ? 'heading';
