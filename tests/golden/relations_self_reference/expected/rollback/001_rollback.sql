-- migrations/rollback/001_rollback.sql
-- Rollback of 001_create_categories

BEGIN;

ALTER TABLE categories DROP CONSTRAINT fk_categories_parent_id;
-- DESTRUCTIVE: drops table categories and all its rows
DROP TABLE categories;
DROP FUNCTION buildamp_touch_updated_at();

COMMIT;
