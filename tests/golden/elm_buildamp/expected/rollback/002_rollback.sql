-- migrations/rollback/002_rollback.sql
-- Rollback of 002_update_guest_item_comment_microblog_item

BEGIN;

-- DESTRUCTIVE: drops microblog_item.summary and its data
ALTER TABLE microblog_item DROP COLUMN summary;
DROP INDEX idx_item_comment_author_name;
ALTER TABLE guest RENAME COLUMN display_name TO name;

COMMIT;
