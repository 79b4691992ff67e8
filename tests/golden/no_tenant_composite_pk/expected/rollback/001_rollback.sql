-- migrations/rollback/001_rollback.sql
-- Rollback of 001_create_categories_group_memberships

BEGIN;

SET LOCAL lock_timeout = '1s';
-- DESTRUCTIVE: drops table group_memberships and all its rows
DROP TABLE group_memberships;
-- DESTRUCTIVE: drops table categories and all its rows
DROP TABLE categories;
DROP FUNCTION buildamp_touch_updated_at();

COMMIT;
