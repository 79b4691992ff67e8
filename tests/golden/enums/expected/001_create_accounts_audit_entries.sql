-- migrations/001_create_accounts_audit_entries.sql
-- Auto-generated from Account, AuditEntry type changes
-- Generated: 2024-12-04 10:30:15
-- Enum: account_status - created
-- Function: buildamp_touch_updated_at() - created
-- Table: accounts - created (Account)
-- Table: audit_entries - created (AuditEntry)
-- buildamp:changes {"tables":["accounts","audit_entries"],"fields":[]}

BEGIN;

-- Forward migration
SET LOCAL lock_timeout = '1s';
CREATE TYPE account_status AS ENUM ('Active', 'Suspended', 'Deleted');
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
CREATE TABLE accounts (
    id TEXT PRIMARY KEY,
    host TEXT NOT NULL,
    status account_status NOT NULL,
    previous_status account_status NOT NULL DEFAULT 'Active',
    plan JSONB NOT NULL,
    maybe_status account_status,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE TRIGGER trg_accounts_updated_at BEFORE UPDATE ON accounts FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION buildamp_touch_updated_at();
CREATE TABLE audit_entries (
    id BIGINT PRIMARY KEY,
    host TEXT NOT NULL,
    status account_status NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE TRIGGER trg_audit_entries_updated_at BEFORE UPDATE ON audit_entries FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION buildamp_touch_updated_at();

-- Validation
DO $buildamp$
BEGIN
    IF NOT (to_regclass('accounts') IS NOT NULL) THEN
        RAISE EXCEPTION 'Migration failed: table accounts not created';
    END IF;
    IF NOT (to_regclass('audit_entries') IS NOT NULL) THEN
        RAISE EXCEPTION 'Migration failed: table audit_entries not created';
    END IF;
END
$buildamp$;

COMMIT;

-- Rollback instructions (commented)
-- -- DESTRUCTIVE: drops table audit_entries and all its rows
-- DROP TABLE audit_entries;
-- -- DESTRUCTIVE: drops table accounts and all its rows
-- DROP TABLE accounts;
-- DROP FUNCTION buildamp_touch_updated_at();
-- DROP TYPE account_status;
