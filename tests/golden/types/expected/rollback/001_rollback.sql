-- migrations/rollback/001_rollback.sql
-- Rollback of 001_create_everythings

BEGIN;

SET LOCAL lock_timeout = '1s';
-- DESTRUCTIVE: drops table everythings and all its rows
DROP TABLE everythings;
DROP FUNCTION buildamp_touch_updated_at();

COMMIT;
