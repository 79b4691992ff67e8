-- migrations/rollback/003_rollback.sql
-- Rollback of 003_alter_priority_on_notes

BEGIN;

SET LOCAL buildamp.migrating = 'on';
DROP INDEX unique_notes_pinned;
DROP INDEX idx_notes_priority;
UPDATE notes SET data = jsonb_set(data, ARRAY['priority'], to_jsonb(CAST((data ->> 'priority') AS TEXT))) WHERE data ? 'priority' AND jsonb_typeof(data -> 'priority') <> 'null';

COMMIT;
