-- migrations/001_create_profiles.sql
-- Auto-generated from Profile type changes
-- Generated: 2024-12-04 10:30:15
-- Function: buildamp_touch_updated_at() - created
-- Table: profiles - created (Profile)
-- buildamp:changes {"tables":["profiles"],"fields":[]}

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
CREATE TABLE profiles (
    id TEXT PRIMARY KEY,
    host TEXT NOT NULL,
    display_name TEXT NOT NULL DEFAULT 'anonymous',
    bio TEXT,
    profile_image TEXT,
    score INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
COMMENT ON TABLE profiles IS 'A user''s public profile.';
COMMENT ON COLUMN profiles.display_name IS 'Shown on the profile page.';
CREATE INDEX idx_profiles_display_name ON profiles (host, display_name);
CREATE TRIGGER trg_profiles_updated_at BEFORE UPDATE ON profiles FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION buildamp_touch_updated_at();

-- Validation
DO $buildamp$
BEGIN
    IF NOT (to_regclass('profiles') IS NOT NULL) THEN
        RAISE EXCEPTION 'Migration failed: table profiles not created';
    END IF;
END
$buildamp$;

COMMIT;

-- Rollback instructions (commented)
-- -- DESTRUCTIVE: drops table profiles and all its rows
-- DROP TABLE profiles;
-- DROP FUNCTION buildamp_touch_updated_at();
