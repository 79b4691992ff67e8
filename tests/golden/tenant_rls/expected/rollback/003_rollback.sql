-- migrations/rollback/003_rollback.sql
-- Rollback of 003_disable_rls_on_documents

BEGIN;

SET LOCAL lock_timeout = '1s';
SET LOCAL row_security = off;
ALTER TABLE documents ENABLE ROW LEVEL SECURITY;
ALTER TABLE documents FORCE ROW LEVEL SECURITY;
CREATE POLICY buildamp_tenant_isolation ON documents USING (host = NULLIF(current_setting('buildamp.host', true), '')) WITH CHECK (host = NULLIF(current_setting('buildamp.host', true), ''));

COMMIT;
