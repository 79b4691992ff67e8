-- migrations/rollback/001_rollback.sql
-- Rollback of 001_create_accounts_audit_entries

BEGIN;

SET LOCAL lock_timeout = '1s';
-- DESTRUCTIVE: drops table audit_entries and all its rows
DROP TABLE audit_entries;
-- DESTRUCTIVE: drops table accounts and all its rows
DROP TABLE accounts;
DROP FUNCTION buildamp_touch_updated_at();
DROP TYPE account_status;

COMMIT;
