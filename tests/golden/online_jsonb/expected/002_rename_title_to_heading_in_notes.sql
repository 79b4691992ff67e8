-- migrations/002_rename_title_to_heading_in_notes.sql
-- Auto-generated from Note type changes
-- Generated: 2024-12-04 10:30:15
-- Field: notes.heading - document key renamed from title (Note)
-- Field: notes.pinned - document key filled with FALSE (Note)
-- Constraint: chk_notes_heading_present - added check on notes
-- Index: idx_notes_heading - added index on notes
-- Table: notes - document keys added: heading, pinned; document keys removed: title (Note)
-- buildamp:changes {"tables":["notes"],"fields":["notes.heading","notes.pinned"]}

-- Forward migration
-- buildamp:no-transaction
SET lock_timeout = '1s';
SET buildamp.migrating = 'on';
-- buildamp:batch table=notes size=1000
UPDATE notes SET data = (data - 'title') || jsonb_build_object('heading', data -> 'title') WHERE data ? 'title';
-- buildamp:batch table=notes size=1000
UPDATE notes SET data = jsonb_set(data, ARRAY['pinned'], to_jsonb((FALSE)::boolean)) WHERE NOT data ? 'pinned';
ALTER TABLE notes ADD CONSTRAINT chk_notes_heading_present CHECK (data ? 'heading' AND data -> 'heading' <> CAST('null' AS jsonb)) NOT VALID;
ALTER TABLE notes VALIDATE CONSTRAINT chk_notes_heading_present;
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_notes_heading ON notes (host, (data ->> 'heading'));

-- Rollback instructions (commented)
-- DROP INDEX CONCURRENTLY IF EXISTS idx_notes_heading;
-- ALTER TABLE notes DROP CONSTRAINT IF EXISTS chk_notes_heading_present;
-- -- documents that held the default FALSE lose key pinned
-- -- buildamp:batch table=notes size=1000
-- UPDATE notes SET data = data - 'pinned' WHERE data -> 'pinned' = to_jsonb((FALSE)::boolean);
-- -- buildamp:batch table=notes size=1000
-- UPDATE notes SET data = (data - 'heading') || jsonb_build_object('title', data -> 'heading') WHERE data ? 'heading';
