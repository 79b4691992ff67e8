-- migrations/rollback/002_rollback.sql
-- Rollback of 002_rename_name_to_display_name_in_guest_and_add_summary_to

BEGIN;

-- DESTRUCTIVE: drops microblog_item.summary and its data
ALTER TABLE microblog_item DROP COLUMN summary;
DROP INDEX idx_item_comment_author_name;
ALTER TABLE guest RENAME COLUMN display_name TO name;

COMMIT;
