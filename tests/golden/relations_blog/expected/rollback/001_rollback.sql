-- migrations/rollback/001_rollback.sql
-- Rollback of 001_create_authors_comments_post_tags_posts_tags

BEGIN;

SET LOCAL lock_timeout = '1s';
ALTER TABLE posts DROP CONSTRAINT IF EXISTS fk_posts_author_id;
ALTER TABLE post_tags DROP CONSTRAINT IF EXISTS fk_post_tags_tag_id;
ALTER TABLE post_tags DROP CONSTRAINT IF EXISTS fk_post_tags_post_id;
ALTER TABLE comments DROP CONSTRAINT IF EXISTS fk_comments_post_id;
ALTER TABLE comments DROP CONSTRAINT IF EXISTS fk_comments_parent_id;
ALTER TABLE comments DROP CONSTRAINT IF EXISTS fk_comments_author_id;
-- DESTRUCTIVE: drops table tags and all its rows
DROP TABLE tags;
-- DESTRUCTIVE: drops table posts and all its rows
DROP TABLE posts;
-- DESTRUCTIVE: drops table post_tags and all its rows
DROP TABLE post_tags;
-- DESTRUCTIVE: drops table comments and all its rows
DROP TABLE comments;
-- DESTRUCTIVE: drops table authors and all its rows
DROP TABLE authors;
DROP FUNCTION buildamp_touch_updated_at();

COMMIT;
