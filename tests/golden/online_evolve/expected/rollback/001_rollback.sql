-- migrations/rollback/001_rollback.sql
-- Rollback of 001_create_people_tags

BEGIN;

SET LOCAL lock_timeout = '1s';
-- DESTRUCTIVE: drops table tags and all its rows
DROP TABLE tags;
-- DESTRUCTIVE: drops table people and all its rows
DROP TABLE people;
DROP FUNCTION buildamp_touch_updated_at();
DROP TYPE person_status;

COMMIT;
