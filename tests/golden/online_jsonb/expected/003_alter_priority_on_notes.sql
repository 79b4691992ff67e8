-- migrations/003_alter_priority_on_notes.sql
-- Auto-generated from Note type changes
-- Generated: 2024-12-04 10:30:15
-- Field: notes.priority - document key converted (Note)
-- Index: idx_notes_priority - added index on notes
-- Index: unique_notes_pinned - added unique index on notes
-- Table: notes - document fields changed in the schema state (Note)
-- buildamp:changes {"tables":["notes"],"fields":["notes.priority"]}

-- Forward migration
-- buildamp:no-transaction
SET lock_timeout = '1s';
SET buildamp.migrating = 'on';
-- buildamp:batch table=notes size=1000
UPDATE notes SET data = jsonb_set(data, ARRAY['priority'], to_jsonb(CAST((data ->> 'priority') AS bigint))) WHERE data ? 'priority' AND jsonb_typeof(data -> 'priority') <> 'null';
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_notes_priority ON notes (host, (CAST(data ->> 'priority' AS bigint)));
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS unique_notes_pinned ON notes (host, (CAST(data ->> 'pinned' AS boolean)));

-- Rollback instructions (commented)
-- DROP INDEX CONCURRENTLY IF EXISTS unique_notes_pinned;
-- DROP INDEX CONCURRENTLY IF EXISTS idx_notes_priority;
-- -- buildamp:batch table=notes size=1000
-- UPDATE notes SET data = jsonb_set(data, ARRAY['priority'], to_jsonb(CAST((data ->> 'priority') AS TEXT))) WHERE data ? 'priority' AND jsonb_typeof(data -> 'priority') <> 'null';
