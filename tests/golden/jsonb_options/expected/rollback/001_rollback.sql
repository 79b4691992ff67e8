-- migrations/rollback/001_rollback.sql
-- Rollback of 001_create_events

BEGIN;

SET LOCAL lock_timeout = '1s';
-- DESTRUCTIVE: drops table events and all its rows
DROP TABLE events;
DROP FUNCTION buildamp_touch_updated_at();

COMMIT;
