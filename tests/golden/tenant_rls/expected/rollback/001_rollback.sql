-- migrations/rollback/001_rollback.sql
-- Rollback of 001_create_documents

BEGIN;

SET LOCAL lock_timeout = '1s';
-- DESTRUCTIVE: drops table documents and all its rows
DROP TABLE documents;
DROP FUNCTION buildamp_touch_updated_at();

COMMIT;
