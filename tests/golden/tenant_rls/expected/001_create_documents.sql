-- migrations/001_create_documents.sql
-- Auto-generated from Document type changes
-- Generated: 2024-12-04 10:30:15
-- Function: buildamp_touch_updated_at() - created
-- Table: documents - created (Document)
-- buildamp:changes {"tables":["documents"],"fields":[]}

BEGIN;

-- Forward migration
SET LOCAL lock_timeout = '1s';
CREATE OR REPLACE FUNCTION buildamp_touch_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $buildamp$
BEGIN
    IF current_setting('buildamp.migrating', true) = 'on' THEN
        RETURN NEW;
    END IF;
    NEW.updated_at := now();
    RETURN NEW;
END;
$buildamp$;
CREATE TABLE documents (
    id TEXT PRIMARY KEY,
    host TEXT NOT NULL,
    title TEXT NOT NULL,
    slug TEXT NOT NULL,
    external_ref TEXT NOT NULL,
    owner_id TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT unique_documents_external_ref UNIQUE (external_ref),
    CONSTRAINT unique_documents_slug UNIQUE (host, slug)
);
COMMENT ON COLUMN documents.slug IS 'Unique per tenant: (host, slug).';
COMMENT ON COLUMN documents.external_ref IS 'Unique across tenants: (external_ref) alone.';
COMMENT ON COLUMN documents.owner_id IS 'Looked up per tenant: (host, owner_id).';
CREATE INDEX idx_documents_owner_id ON documents (host, owner_id);
CREATE TRIGGER trg_documents_updated_at BEFORE UPDATE ON documents FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION buildamp_touch_updated_at();

-- Validation
DO $buildamp$
BEGIN
    IF NOT (to_regclass('documents') IS NOT NULL) THEN
        RAISE EXCEPTION 'Migration failed: table documents not created';
    END IF;
END
$buildamp$;

COMMIT;

-- Rollback instructions (commented)
-- -- DESTRUCTIVE: drops table documents and all its rows
-- DROP TABLE documents;
-- DROP FUNCTION buildamp_touch_updated_at();
