-- migrations/001_create_authors_comments_post_tags_posts_tags.sql
-- Auto-generated from Author, Comment, Post, PostTag, Tag type changes
-- Generated: 2024-12-04 10:30:15
-- Function: buildamp_touch_updated_at() - created
-- Table: authors - created (Author)
-- Table: comments - created (Comment)
-- Table: post_tags - created (PostTag)
-- Table: posts - created (Post)
-- Table: tags - created (Tag)
-- Reference: comments.author_id -> authors.id - added (fk_comments_author_id)
-- Reference: comments.parent_id -> comments.id on delete set null - added (fk_comments_parent_id)
-- Reference: comments.post_id -> posts.id on delete cascade - added (fk_comments_post_id)
-- Reference: post_tags.post_id -> posts.id on delete cascade - added (fk_post_tags_post_id)
-- Reference: post_tags.tag_id -> tags.id on delete restrict - added (fk_post_tags_tag_id)
-- Reference: posts.author_id -> authors.id on delete cascade - added (fk_posts_author_id)
-- buildamp:changes {"tables":["authors","comments","post_tags","posts","tags"],"fields":["comments.author_id","comments.parent_id","comments.post_id","post_tags.post_id","post_tags.tag_id","posts.author_id"]}

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
CREATE TABLE authors (
    id TEXT PRIMARY KEY DEFAULT CAST(gen_random_uuid() AS text),
    host TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT unique_authors_host_id UNIQUE (host, id)
);
CREATE TRIGGER trg_authors_updated_at BEFORE UPDATE ON authors FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION buildamp_touch_updated_at();
CREATE TABLE comments (
    id TEXT PRIMARY KEY DEFAULT CAST(gen_random_uuid() AS text),
    host TEXT NOT NULL,
    post_id TEXT NOT NULL,
    parent_id TEXT,
    author_id TEXT,
    body TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT unique_comments_host_id UNIQUE (host, id)
);
CREATE INDEX idx_comments_author_id ON comments (host, author_id);
CREATE INDEX idx_comments_parent_id ON comments (host, parent_id);
CREATE INDEX idx_comments_post_id ON comments (host, post_id);
CREATE TRIGGER trg_comments_updated_at BEFORE UPDATE ON comments FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION buildamp_touch_updated_at();
CREATE TABLE post_tags (
    post_id TEXT NOT NULL,
    host TEXT NOT NULL,
    tag_id TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (post_id, tag_id)
);
CREATE INDEX idx_post_tags_post_id ON post_tags (host, post_id);
CREATE INDEX idx_post_tags_tag_id ON post_tags (host, tag_id);
CREATE TRIGGER trg_post_tags_updated_at BEFORE UPDATE ON post_tags FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION buildamp_touch_updated_at();
CREATE TABLE posts (
    id TEXT PRIMARY KEY DEFAULT CAST(gen_random_uuid() AS text),
    host TEXT NOT NULL,
    author_id TEXT NOT NULL,
    title TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT unique_posts_host_id UNIQUE (host, id)
);
CREATE INDEX idx_posts_author_id ON posts (host, author_id);
CREATE TRIGGER trg_posts_updated_at BEFORE UPDATE ON posts FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION buildamp_touch_updated_at();
CREATE TABLE tags (
    id TEXT PRIMARY KEY DEFAULT CAST(gen_random_uuid() AS text),
    host TEXT NOT NULL,
    label TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT unique_tags_host_id UNIQUE (host, id),
    CONSTRAINT unique_tags_label UNIQUE (host, label)
);
CREATE TRIGGER trg_tags_updated_at BEFORE UPDATE ON tags FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION buildamp_touch_updated_at();
ALTER TABLE comments ADD CONSTRAINT fk_comments_author_id FOREIGN KEY (host, author_id) REFERENCES authors (host, id);
ALTER TABLE comments ADD CONSTRAINT fk_comments_parent_id FOREIGN KEY (host, parent_id) REFERENCES comments (host, id) ON DELETE SET NULL (parent_id);
ALTER TABLE comments ADD CONSTRAINT fk_comments_post_id FOREIGN KEY (host, post_id) REFERENCES posts (host, id) ON DELETE CASCADE;
ALTER TABLE post_tags ADD CONSTRAINT fk_post_tags_post_id FOREIGN KEY (host, post_id) REFERENCES posts (host, id) ON DELETE CASCADE;
ALTER TABLE post_tags ADD CONSTRAINT fk_post_tags_tag_id FOREIGN KEY (host, tag_id) REFERENCES tags (host, id) ON DELETE RESTRICT;
ALTER TABLE posts ADD CONSTRAINT fk_posts_author_id FOREIGN KEY (host, author_id) REFERENCES authors (host, id) ON DELETE CASCADE;

-- Validation
DO $buildamp$
BEGIN
    IF NOT (to_regclass('authors') IS NOT NULL) THEN
        RAISE EXCEPTION 'Migration failed: table authors not created';
    END IF;
    IF NOT (to_regclass('comments') IS NOT NULL) THEN
        RAISE EXCEPTION 'Migration failed: table comments not created';
    END IF;
    IF NOT (to_regclass('post_tags') IS NOT NULL) THEN
        RAISE EXCEPTION 'Migration failed: table post_tags not created';
    END IF;
    IF NOT (to_regclass('posts') IS NOT NULL) THEN
        RAISE EXCEPTION 'Migration failed: table posts not created';
    END IF;
    IF NOT (to_regclass('tags') IS NOT NULL) THEN
        RAISE EXCEPTION 'Migration failed: table tags not created';
    END IF;
    IF NOT (EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'comments'::regclass AND conname = 'fk_comments_author_id')) THEN
        RAISE EXCEPTION 'Migration failed: constraint fk_comments_author_id not created';
    END IF;
    IF NOT (EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'comments'::regclass AND conname = 'fk_comments_parent_id')) THEN
        RAISE EXCEPTION 'Migration failed: constraint fk_comments_parent_id not created';
    END IF;
    IF NOT (EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'comments'::regclass AND conname = 'fk_comments_post_id')) THEN
        RAISE EXCEPTION 'Migration failed: constraint fk_comments_post_id not created';
    END IF;
    IF NOT (EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'post_tags'::regclass AND conname = 'fk_post_tags_post_id')) THEN
        RAISE EXCEPTION 'Migration failed: constraint fk_post_tags_post_id not created';
    END IF;
    IF NOT (EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'post_tags'::regclass AND conname = 'fk_post_tags_tag_id')) THEN
        RAISE EXCEPTION 'Migration failed: constraint fk_post_tags_tag_id not created';
    END IF;
    IF NOT (EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'posts'::regclass AND conname = 'fk_posts_author_id')) THEN
        RAISE EXCEPTION 'Migration failed: constraint fk_posts_author_id not created';
    END IF;
END
$buildamp$;

COMMIT;

-- Rollback instructions (commented)
-- ALTER TABLE posts DROP CONSTRAINT IF EXISTS fk_posts_author_id;
-- ALTER TABLE post_tags DROP CONSTRAINT IF EXISTS fk_post_tags_tag_id;
-- ALTER TABLE post_tags DROP CONSTRAINT IF EXISTS fk_post_tags_post_id;
-- ALTER TABLE comments DROP CONSTRAINT IF EXISTS fk_comments_post_id;
-- ALTER TABLE comments DROP CONSTRAINT IF EXISTS fk_comments_parent_id;
-- ALTER TABLE comments DROP CONSTRAINT IF EXISTS fk_comments_author_id;
-- -- DESTRUCTIVE: drops table tags and all its rows
-- DROP TABLE tags;
-- -- DESTRUCTIVE: drops table posts and all its rows
-- DROP TABLE posts;
-- -- DESTRUCTIVE: drops table post_tags and all its rows
-- DROP TABLE post_tags;
-- -- DESTRUCTIVE: drops table comments and all its rows
-- DROP TABLE comments;
-- -- DESTRUCTIVE: drops table authors and all its rows
-- DROP TABLE authors;
-- DROP FUNCTION buildamp_touch_updated_at();
