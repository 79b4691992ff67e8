-- migrations/rollback/002_rollback.sql
-- Rollback of 002_rename_name_to_display_name_in_guest_and_add_summary_to

-- buildamp:no-transaction
SET lock_timeout = '1s';
DROP INDEX CONCURRENTLY IF EXISTS idx_item_comment_author_name;

BEGIN;

SET LOCAL lock_timeout = '1s';
-- DESTRUCTIVE: drops microblog_item.summary and its data
ALTER TABLE microblog_item DROP COLUMN summary;
ALTER TABLE guest RENAME COLUMN display_name TO name;

COMMIT;
