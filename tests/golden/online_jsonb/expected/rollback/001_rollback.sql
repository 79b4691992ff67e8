-- migrations/rollback/001_rollback.sql
-- Rollback of 001_create_notes

BEGIN;

SET LOCAL lock_timeout = '1s';
-- DESTRUCTIVE: drops table notes and all its rows
DROP TABLE notes;
DROP FUNCTION buildamp_touch_updated_at();

COMMIT;
