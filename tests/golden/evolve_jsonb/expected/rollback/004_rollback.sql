-- migrations/rollback/004_rollback.sql
-- Rollback of 004_update_notes

BEGIN;

DROP INDEX idx_notes_priority;
DROP INDEX idx_notes_heading;
ALTER TABLE notes ADD COLUMN data JSONB;
UPDATE notes SET data = jsonb_build_object('heading', heading, 'body', body, 'priority', priority, 'pinned', pinned);
-- buildamp:lint-ignore BA005
ALTER TABLE notes ALTER COLUMN data SET NOT NULL;
ALTER TABLE notes DROP COLUMN heading;
ALTER TABLE notes DROP COLUMN body;
ALTER TABLE notes DROP COLUMN priority;
ALTER TABLE notes DROP COLUMN pinned;
ALTER TABLE notes ADD CONSTRAINT chk_notes_heading_present CHECK (data ? 'heading' AND data -> 'heading' <> CAST('null' AS jsonb));
CREATE UNIQUE INDEX unique_notes_pinned ON notes (host, (CAST(data ->> 'pinned' AS boolean)));
CREATE INDEX idx_notes_priority ON notes (host, (CAST(data ->> 'priority' AS bigint)));
CREATE INDEX idx_notes_heading ON notes (host, (data ->> 'heading'));

COMMIT;
