-- migrations/001_create_comments_users.sql
-- Auto-generated from Comment, User type changes
-- Generated: 2024-12-04 10:30:15
-- Function: buildamp_touch_updated_at() - created
-- Table: comments - created (Comment)
-- Table: users - created (User)
-- buildamp:changes {"tables":["comments","users"],"fields":[]}

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
CREATE TABLE comments (
    id TEXT PRIMARY KEY,
    data JSONB NOT NULL,
    host TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE TRIGGER trg_comments_updated_at BEFORE UPDATE ON comments FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION buildamp_touch_updated_at();
CREATE TABLE users (
    id TEXT PRIMARY KEY,
    data JSONB NOT NULL,
    host TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE TRIGGER trg_users_updated_at BEFORE UPDATE ON users FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION buildamp_touch_updated_at();

-- Validation
DO $buildamp$
BEGIN
    IF NOT (to_regclass('comments') IS NOT NULL) THEN
        RAISE EXCEPTION 'Migration failed: table comments not created';
    END IF;
    IF NOT (to_regclass('users') IS NOT NULL) THEN
        RAISE EXCEPTION 'Migration failed: table users not created';
    END IF;
END
$buildamp$;

COMMIT;

-- Rollback instructions (commented)
-- -- DESTRUCTIVE: drops table users and all its rows
-- DROP TABLE users;
-- -- DESTRUCTIVE: drops table comments and all its rows
-- DROP TABLE comments;
-- DROP FUNCTION buildamp_touch_updated_at();
