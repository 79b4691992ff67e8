-- migrations/rollback/001_rollback.sql
-- Rollback of 001_create_settings_and_custom_seed_settings

BEGIN;

SET LOCAL lock_timeout = '1s';
-- Custom SQL from custom/seed_settings.sql
DELETE FROM settings WHERE id = 'default';
-- DESTRUCTIVE: drops table settings and all its rows
DROP TABLE settings;
DROP FUNCTION buildamp_touch_updated_at();

COMMIT;
