-- migrations/001_create_comments_users.sql
-- Auto-generated from Comment, User type changes
-- Generated: 2026-11-25 15:35:06
-- Enum: user_status - created
-- Table: comments - created
-- Table: users - created

BEGIN;

-- Forward migration
CREATE TYPE user_status AS ENUM ('Active', 'Suspended', 'Deleted');
CREATE OR REPLACE FUNCTION buildamp_touch_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $buildamp$
BEGIN
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
CREATE INDEX idx_comments_author_id ON comments (host, (data ->> 'author_id'));
CREATE INDEX idx_comments_author_id_created_at_desc ON comments (host, (data ->> 'author_id'), created_at DESC);
CREATE TRIGGER trg_comments_updated_at BEFORE UPDATE ON comments FOR EACH ROW EXECUTE FUNCTION buildamp_touch_updated_at();
CREATE TABLE users (
    id TEXT PRIMARY KEY,
    host TEXT NOT NULL,
    email TEXT NOT NULL DEFAULT '',
    display_name TEXT NOT NULL,
    username TEXT NOT NULL,
    status user_status NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT unique_users_username UNIQUE (host, username)
);
CREATE INDEX idx_users_created_at_desc ON users (host, created_at DESC);
CREATE TRIGGER trg_users_updated_at BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION buildamp_touch_updated_at();

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
-- DROP TYPE user_status;
