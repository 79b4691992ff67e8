-- migrations/003_alter_priority_on_notes.sql
-- Auto-generated from Note type changes
-- Generated: 2024-12-04 10:30:15
-- Field: notes.priority - document key converted (Note)
-- Index: idx_notes_priority - added index on notes
-- Index: unique_notes_pinned - added unique index on notes
-- Table: notes - document fields changed in the schema state (Note)
-- buildamp:changes {"tables":["notes"],"fields":["notes.priority"]}

BEGIN;

-- Forward migration
SET LOCAL buildamp.migrating = 'on';
UPDATE notes SET data = jsonb_set(data, ARRAY['priority'], to_jsonb(CAST((data ->> 'priority') AS bigint))) WHERE data ? 'priority' AND jsonb_typeof(data -> 'priority') <> 'null';
CREATE INDEX idx_notes_priority ON notes (host, (CAST(data ->> 'priority' AS bigint)));
CREATE UNIQUE INDEX unique_notes_pinned ON notes (host, (CAST(data ->> 'pinned' AS boolean)));

-- Validation
DO $buildamp$
BEGIN
    IF NOT (to_regclass('idx_notes_priority') IS NOT NULL) THEN
        RAISE EXCEPTION 'Migration failed: index idx_notes_priority not created';
    END IF;
    IF NOT (to_regclass('unique_notes_pinned') IS NOT NULL) THEN
        RAISE EXCEPTION 'Migration failed: index unique_notes_pinned not created';
    END IF;
END
$buildamp$;

COMMIT;

-- Rollback instructions (commented)
-- DROP INDEX unique_notes_pinned;
-- DROP INDEX idx_notes_priority;
-- UPDATE notes SET data = jsonb_set(data, ARRAY['priority'], to_jsonb(CAST((data ->> 'priority') AS TEXT))) WHERE data ? 'priority' AND jsonb_typeof(data -> 'priority') <> 'null';
