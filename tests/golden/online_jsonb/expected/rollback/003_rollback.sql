-- migrations/rollback/003_rollback.sql
-- Rollback of 003_alter_priority_on_notes

-- buildamp:no-transaction
SET lock_timeout = '1s';
SET buildamp.migrating = 'on';
DROP INDEX CONCURRENTLY IF EXISTS unique_notes_pinned;
DROP INDEX CONCURRENTLY IF EXISTS idx_notes_priority;
-- buildamp:batch table=notes size=1000
UPDATE notes SET data = jsonb_set(data, ARRAY['priority'], to_jsonb(CAST((data ->> 'priority') AS TEXT))) WHERE data ? 'priority' AND jsonb_typeof(data -> 'priority') <> 'null';
