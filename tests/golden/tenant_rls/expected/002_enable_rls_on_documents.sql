-- migrations/002_enable_rls_on_documents.sql
-- Auto-generated from Document type changes
-- Generated: 2024-12-04 10:30:15
-- Table: documents - row-level security on (Document)
-- buildamp:changes {"tables":["documents"],"fields":[]}

BEGIN;

-- Forward migration
SET LOCAL lock_timeout = '1s';
SET LOCAL row_security = off;
ALTER TABLE documents ENABLE ROW LEVEL SECURITY;
ALTER TABLE documents FORCE ROW LEVEL SECURITY;
CREATE POLICY buildamp_tenant_isolation ON documents USING (host = NULLIF(current_setting('buildamp.host', true), '')) WITH CHECK (host = NULLIF(current_setting('buildamp.host', true), ''));

COMMIT;

-- Rollback instructions (commented)
-- DROP POLICY buildamp_tenant_isolation ON documents;
-- ALTER TABLE documents NO FORCE ROW LEVEL SECURITY;
-- ALTER TABLE documents DISABLE ROW LEVEL SECURITY;
