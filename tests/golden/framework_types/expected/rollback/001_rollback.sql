-- migrations/rollback/001_rollback.sql
-- Rollback of 001_create_articles_counters

BEGIN;

SET LOCAL lock_timeout = '1s';
-- DESTRUCTIVE: drops table counters and all its rows
DROP TABLE counters;
-- DESTRUCTIVE: drops table articles and all its rows
DROP TABLE articles;
DROP FUNCTION buildamp_touch_updated_at();

COMMIT;
