-- migrations/001_create_settings_and_custom_seed_settings.sql
-- Auto-generated from Setting type changes
-- Generated: 2024-12-04 10:30:15
-- Function: buildamp_touch_updated_at() - created
-- Table: settings - created (Setting)
-- Custom SQL: custom/seed_settings.sql
-- Validation: settings - query must return 0
-- buildamp:changes {"tables":["settings"],"fields":[]}

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
CREATE TABLE settings (
    id TEXT PRIMARY KEY,
    host TEXT NOT NULL,
    theme TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE TRIGGER trg_settings_updated_at BEFORE UPDATE ON settings FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION buildamp_touch_updated_at();
-- Custom SQL from custom/seed_settings.sql
-- Custom data: a default settings row for the system tenant.
INSERT INTO settings (id, host, theme) VALUES ('default', 'system', 'light');

-- Validation
DO $buildamp$
DECLARE found numeric;
BEGIN
    found := COALESCE((SELECT count(*) FROM settings WHERE theme IS NULL), 0);
    IF found <> 0 THEN
        RAISE EXCEPTION USING MESSAGE = format('Migration failed: validation of settings (models/settings_domain.rs:4:12) returned %s, expected 0', found), DETAIL = 'query: SELECT count(*) FROM settings WHERE theme IS NULL';
    END IF;
END
$buildamp$;
DO $buildamp$
BEGIN
    IF NOT (to_regclass('settings') IS NOT NULL) THEN
        RAISE EXCEPTION 'Migration failed: table settings not created';
    END IF;
END
$buildamp$;

COMMIT;

-- Rollback instructions (commented)
-- -- Custom SQL from custom/seed_settings.sql
-- DELETE FROM settings WHERE id = 'default';
-- -- DESTRUCTIVE: drops table settings and all its rows
-- DROP TABLE settings;
-- DROP FUNCTION buildamp_touch_updated_at();
