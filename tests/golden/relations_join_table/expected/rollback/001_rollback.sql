-- migrations/rollback/001_rollback.sql
-- Rollback of 001_create_item_tags_items_tags

BEGIN;

SET LOCAL lock_timeout = '1s';
ALTER TABLE item_tags DROP CONSTRAINT IF EXISTS fk_item_tags_tag_id;
ALTER TABLE item_tags DROP CONSTRAINT IF EXISTS fk_item_tags_item_id;
-- DESTRUCTIVE: drops table tags and all its rows
DROP TABLE tags;
-- DESTRUCTIVE: drops table items and all its rows
DROP TABLE items;
-- DESTRUCTIVE: drops table item_tags and all its rows
DROP TABLE item_tags;
DROP FUNCTION buildamp_touch_updated_at();

COMMIT;
