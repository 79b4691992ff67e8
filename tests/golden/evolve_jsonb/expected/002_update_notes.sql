-- migrations/002_update_notes.sql
-- Auto-generated from Note type changes
-- Generated: 2024-12-04 10:30:15
-- Field: notes.heading - document key renamed from title
-- Field: notes.pinned - document key filled with FALSE
-- Constraint: chk_notes_heading_present - added check on notes
-- Index: idx_notes_heading - added index on notes
-- Table: notes - document fields changed in the schema state
-- buildamp:changes {"tables":["notes"],"fields":["notes.heading","notes.pinned"]}

BEGIN;

-- Forward migration
UPDATE notes SET data = (data - 'title') || jsonb_build_object('heading', data -> 'title') WHERE data ? 'title';
UPDATE notes SET data = jsonb_set(data, ARRAY['pinned'], to_jsonb((FALSE)::boolean)) WHERE NOT data ? 'pinned';
ALTER TABLE notes ADD CONSTRAINT chk_notes_heading_present CHECK (data ? 'heading' AND data -> 'heading' <> CAST('null' AS jsonb));
CREATE INDEX idx_notes_heading ON notes (host, (data ->> 'heading'));

-- Validation
DO $buildamp$
BEGIN
    IF NOT (EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'notes'::regclass AND conname = 'chk_notes_heading_present')) THEN
        RAISE EXCEPTION 'Migration failed: constraint chk_notes_heading_present not created';
    END IF;
    IF NOT (to_regclass('idx_notes_heading') IS NOT NULL) THEN
        RAISE EXCEPTION 'Migration failed: index idx_notes_heading not created';
    END IF;
END
$buildamp$;

COMMIT;

-- Rollback instructions (commented)
-- DROP INDEX idx_notes_heading;
-- ALTER TABLE notes DROP CONSTRAINT chk_notes_heading_present;
-- -- documents that held the default FALSE lose key pinned
-- UPDATE notes SET data = data - 'pinned' WHERE data -> 'pinned' = to_jsonb((FALSE)::boolean);
-- UPDATE notes SET data = (data - 'heading') || jsonb_build_object('title', data -> 'heading') WHERE data ? 'heading';
