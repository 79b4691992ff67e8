-- migrations/rollback/001_rollback.sql
-- Rollback of 001_create_categories

BEGIN;

SET LOCAL lock_timeout = '1s';
ALTER TABLE categories DROP CONSTRAINT IF EXISTS fk_categories_parent_id;
-- DESTRUCTIVE: drops table categories and all its rows
DROP TABLE categories;
DROP FUNCTION buildamp_touch_updated_at();

COMMIT;
