-- migrations/rollback/001_rollback.sql
-- Rollback of 001_create_profiles

BEGIN;

-- DESTRUCTIVE: drops table profiles and all its rows
DROP TABLE profiles;
DROP FUNCTION buildamp_touch_updated_at();

COMMIT;
