-- migrations/rollback/001_rollback.sql
-- Rollback of 001_create_guest_item_comment_item_tag_microblog_item_tag

BEGIN;

SET LOCAL lock_timeout = '1s';
ALTER TABLE item_tag DROP CONSTRAINT IF EXISTS fk_item_tag_tag_id;
ALTER TABLE item_tag DROP CONSTRAINT IF EXISTS fk_item_tag_item_id;
ALTER TABLE item_comment DROP CONSTRAINT IF EXISTS fk_item_comment_item_id;
ALTER TABLE item_comment DROP CONSTRAINT IF EXISTS fk_item_comment_guest_id;
-- DESTRUCTIVE: drops table tag and all its rows
DROP TABLE tag;
-- DESTRUCTIVE: drops table microblog_item and all its rows
DROP TABLE microblog_item;
-- DESTRUCTIVE: drops table item_tag and all its rows
DROP TABLE item_tag;
-- DESTRUCTIVE: drops table item_comment and all its rows
DROP TABLE item_comment;
-- DESTRUCTIVE: drops table guest and all its rows
DROP TABLE guest;
DROP FUNCTION buildamp_touch_updated_at();
DROP TYPE item_status;

COMMIT;
