-- migrations/rollback/001_rollback.sql
-- Rollback of 001_create_comments_users

BEGIN;

SET LOCAL lock_timeout = '1s';
-- DESTRUCTIVE: drops table users and all its rows
DROP TABLE users;
-- DESTRUCTIVE: drops table comments and all its rows
DROP TABLE comments;
DROP FUNCTION buildamp_touch_updated_at();

COMMIT;
