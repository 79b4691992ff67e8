-- migrations/002_rename_name_to_display_name_in_guest_and_add_summary_to.sql
-- Auto-generated from Guest, ItemComment, MicroblogItem type changes
-- Generated: 2024-12-04 10:30:15
-- Field: guest.display_name - renamed from name (Guest)
-- Index: idx_item_comment_author_name - added index on item_comment
-- Field: microblog_item.summary - added (MicroblogItem)
-- buildamp:changes {"tables":["guest","item_comment","microblog_item"],"fields":["guest.display_name","microblog_item.summary"]}

BEGIN;

-- Forward migration
SET LOCAL lock_timeout = '1s';
ALTER TABLE guest RENAME COLUMN name TO display_name;
ALTER TABLE microblog_item ADD COLUMN summary TEXT NOT NULL DEFAULT '';

-- Validation
DO $buildamp$
BEGIN
    IF NOT (EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = 'microblog_item'::regclass AND attname = 'summary' AND NOT attisdropped)) THEN
        RAISE EXCEPTION 'Migration failed: column microblog_item.summary not created';
    END IF;
END
$buildamp$;

COMMIT;

-- buildamp:no-transaction
SET lock_timeout = '1s';
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_item_comment_author_name ON item_comment (host, author_name);

-- Rollback instructions (commented)
-- -- DESTRUCTIVE: drops microblog_item.summary and its data
-- ALTER TABLE microblog_item DROP COLUMN summary;
-- DROP INDEX CONCURRENTLY IF EXISTS idx_item_comment_author_name;
-- ALTER TABLE guest RENAME COLUMN display_name TO name;
