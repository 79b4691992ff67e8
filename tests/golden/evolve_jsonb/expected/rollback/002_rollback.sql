-- migrations/rollback/002_rollback.sql
-- Rollback of 002_rename_title_to_heading_in_notes

BEGIN;

SET LOCAL buildamp.migrating = 'on';
DROP INDEX idx_notes_heading;
ALTER TABLE notes DROP CONSTRAINT chk_notes_heading_present;
-- documents that held the default FALSE lose key pinned
UPDATE notes SET data = data - 'pinned' WHERE data -> 'pinned' = to_jsonb((FALSE)::boolean);
UPDATE notes SET data = (data - 'heading') || jsonb_build_object('title', data -> 'heading') WHERE data ? 'heading';

COMMIT;
