-- migrations/rollback/001_rollback.sql
-- Rollback of 001_create_profiles

BEGIN;

SET LOCAL lock_timeout = '1s';
-- DESTRUCTIVE: drops table profiles and all its rows
DROP TABLE profiles;
DROP FUNCTION buildamp_touch_updated_at();

COMMIT;
