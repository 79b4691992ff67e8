-- migrations/rollback/001_rollback.sql
-- Rollback of 001_create_posts

BEGIN;

SET LOCAL lock_timeout = '1s';
-- DESTRUCTIVE: drops table posts and all its rows
DROP TABLE posts;
DROP FUNCTION buildamp_touch_updated_at();

COMMIT;
