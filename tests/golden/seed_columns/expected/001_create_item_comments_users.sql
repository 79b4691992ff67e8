-- migrations/001_create_item_comments_users.sql
-- Auto-generated from ItemComment, User type changes
-- Generated: 2024-12-04 10:30:15
-- Function: buildamp_touch_updated_at() - created
-- Table: item_comments - created (ItemComment)
-- Table: users - created (User)
-- buildamp:changes {"tables":["item_comments","users"],"fields":[]}

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
CREATE TABLE item_comments (
    id TEXT PRIMARY KEY,
    host TEXT NOT NULL,
    text TEXT NOT NULL,
    author_id TEXT NOT NULL,
    upvotes INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
COMMENT ON TABLE item_comments IS 'A comment on an item.';
CREATE TRIGGER trg_item_comments_updated_at BEFORE UPDATE ON item_comments FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION buildamp_touch_updated_at();
CREATE TABLE users (
    id TEXT PRIMARY KEY,
    host TEXT NOT NULL,
    email TEXT NOT NULL DEFAULT '',
    display_name TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    username TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT unique_users_username UNIQUE (host, username)
);
CREATE INDEX idx_users_created_at ON users (host, created_at);
CREATE INDEX idx_users_created_at_desc ON users (host, created_at DESC);
CREATE INDEX idx_users_email ON users (host, email);
CREATE TRIGGER trg_users_updated_at BEFORE UPDATE ON users FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION buildamp_touch_updated_at();

-- Validation
DO $buildamp$
BEGIN
    IF NOT (to_regclass('item_comments') IS NOT NULL) THEN
        RAISE EXCEPTION 'Migration failed: table item_comments not created';
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
-- -- DESTRUCTIVE: drops table item_comments and all its rows
-- DROP TABLE item_comments;
-- DROP FUNCTION buildamp_touch_updated_at();
