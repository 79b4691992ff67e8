-- migrations/rollback/002_rollback.sql
-- Rollback of 002_enable_rls_on_documents

BEGIN;

SET LOCAL lock_timeout = '1s';
SET LOCAL row_security = off;
DROP POLICY buildamp_tenant_isolation ON documents;
ALTER TABLE documents NO FORCE ROW LEVEL SECURITY;
ALTER TABLE documents DISABLE ROW LEVEL SECURITY;

COMMIT;
