-- migrations/001_create_posts.sql
-- Auto-generated from Post type changes
-- Generated: 2024-12-04 10:30:15
-- Function: buildamp_touch_updated_at() - created
-- Table: posts - created (Post)
-- buildamp:changes {"tables":["posts"],"fields":[]}

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
CREATE TABLE posts (
    id TEXT PRIMARY KEY,
    host TEXT NOT NULL,
    author_id TEXT NOT NULL,
    title TEXT NOT NULL,
    slug TEXT NOT NULL,
    external_ref TEXT NOT NULL,
    published BOOLEAN NOT NULL,
    activity JSONB NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT unique_posts_external_ref UNIQUE (external_ref),
    CONSTRAINT unique_posts_slug UNIQUE (host, slug)
);
CREATE INDEX idx_posts_author_id ON posts (host, author_id);
CREATE INDEX idx_posts_author_id_created_at_desc ON posts (host, author_id, created_at DESC);
CREATE INDEX idx_posts_author_id_published ON posts (host, author_id, published);
CREATE INDEX idx_posts_lower_title ON posts (host, (lower(title)));
CREATE INDEX idx_posts_published ON posts (host, published);
CREATE TRIGGER trg_posts_updated_at BEFORE UPDATE ON posts FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION buildamp_touch_updated_at();

-- Validation
DO $buildamp$
BEGIN
    IF NOT (to_regclass('posts') IS NOT NULL) THEN
        RAISE EXCEPTION 'Migration failed: table posts not created';
    END IF;
END
$buildamp$;

COMMIT;

-- Rollback instructions (commented)
-- -- DESTRUCTIVE: drops table posts and all its rows
-- DROP TABLE posts;
-- DROP FUNCTION buildamp_touch_updated_at();
