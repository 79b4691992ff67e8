-- migrations/001_create_guest_item_comment_item_tag_microblog_item_tag.sql
-- Auto-generated from Guest, ItemComment, ItemTag, MicroblogItem, Tag type changes
-- Generated: 2024-12-04 10:30:15
-- Enum: item_status - created
-- Function: buildamp_touch_updated_at() - created
-- Table: guest - created (Guest)
-- Table: item_comment - created (ItemComment)
-- Table: item_tag - created (ItemTag)
-- Table: microblog_item - created (MicroblogItem)
-- Table: tag - created (Tag)
-- Reference: item_comment.guest_id -> guest.id - added (fk_item_comment_guest_id)
-- Reference: item_comment.item_id -> microblog_item.id - added (fk_item_comment_item_id)
-- Reference: item_tag.item_id -> microblog_item.id - added (fk_item_tag_item_id)
-- Reference: item_tag.tag_id -> tag.id - added (fk_item_tag_tag_id)
-- buildamp:changes {"tables":["guest","item_comment","item_tag","microblog_item","tag"],"fields":["item_comment.guest_id","item_comment.item_id","item_tag.item_id","item_tag.tag_id"]}

BEGIN;

-- Forward migration
SET LOCAL lock_timeout = '1s';
CREATE TYPE item_status AS ENUM ('Draft', 'Published', 'Archived');
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
CREATE TABLE guest (
    id TEXT PRIMARY KEY DEFAULT CAST(gen_random_uuid() AS text),
    host TEXT NOT NULL,
    name TEXT NOT NULL,
    picture TEXT NOT NULL,
    session_id TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    deleted_at BIGINT,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT unique_guest_host_id UNIQUE (host, id)
);
CREATE UNIQUE INDEX unique_guest_session_id ON guest (host, session_id) WHERE deleted_at IS NULL;
CREATE TRIGGER trg_guest_updated_at BEFORE UPDATE ON guest FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION buildamp_touch_updated_at();
CREATE TABLE item_comment (
    id TEXT PRIMARY KEY DEFAULT CAST(gen_random_uuid() AS text),
    host TEXT NOT NULL,
    item_id TEXT NOT NULL,
    guest_id TEXT NOT NULL,
    parent_id TEXT,
    author_name TEXT NOT NULL,
    text JSONB NOT NULL,
    removed BOOLEAN NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    deleted_at BIGINT,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX idx_item_comment_guest_id ON item_comment (host, guest_id);
CREATE INDEX idx_item_comment_item_id ON item_comment (host, item_id);
CREATE TRIGGER trg_item_comment_updated_at BEFORE UPDATE ON item_comment FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION buildamp_touch_updated_at();
CREATE TABLE item_tag (
    host TEXT NOT NULL,
    item_id TEXT NOT NULL,
    tag_id TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (item_id, tag_id)
);
CREATE INDEX idx_item_tag_item_id ON item_tag (host, item_id);
CREATE INDEX idx_item_tag_tag_id ON item_tag (host, tag_id);
CREATE TRIGGER trg_item_tag_updated_at BEFORE UPDATE ON item_tag FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION buildamp_touch_updated_at();
CREATE TABLE microblog_item (
    id TEXT PRIMARY KEY DEFAULT CAST(gen_random_uuid() AS text),
    host TEXT NOT NULL,
    title TEXT NOT NULL,
    link TEXT,
    image TEXT,
    "extract" JSONB,
    owner_comment JSONB NOT NULL,
    tags JSONB NOT NULL DEFAULT '[]',
    status item_status NOT NULL,
    rating DOUBLE PRECISION NOT NULL,
    featured BOOLEAN NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ,
    view_count INTEGER NOT NULL DEFAULT 0,
    deleted_at BIGINT,
    CONSTRAINT unique_microblog_item_host_id UNIQUE (host, id)
);
CREATE INDEX idx_microblog_item_created_at_desc ON microblog_item (host, created_at DESC);
CREATE TRIGGER trg_microblog_item_updated_at BEFORE UPDATE ON microblog_item FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION buildamp_touch_updated_at();
CREATE TABLE tag (
    id TEXT PRIMARY KEY DEFAULT CAST(gen_random_uuid() AS text),
    host TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT unique_tag_host_id UNIQUE (host, id),
    CONSTRAINT unique_tag_name UNIQUE (host, name)
);
CREATE TRIGGER trg_tag_updated_at BEFORE UPDATE ON tag FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION buildamp_touch_updated_at();
ALTER TABLE item_comment ADD CONSTRAINT fk_item_comment_guest_id FOREIGN KEY (host, guest_id) REFERENCES guest (host, id);
ALTER TABLE item_comment ADD CONSTRAINT fk_item_comment_item_id FOREIGN KEY (host, item_id) REFERENCES microblog_item (host, id);
ALTER TABLE item_tag ADD CONSTRAINT fk_item_tag_item_id FOREIGN KEY (host, item_id) REFERENCES microblog_item (host, id);
ALTER TABLE item_tag ADD CONSTRAINT fk_item_tag_tag_id FOREIGN KEY (host, tag_id) REFERENCES tag (host, id);

-- Validation
DO $buildamp$
BEGIN
    IF NOT (to_regclass('guest') IS NOT NULL) THEN
        RAISE EXCEPTION 'Migration failed: table guest not created';
    END IF;
    IF NOT (to_regclass('item_comment') IS NOT NULL) THEN
        RAISE EXCEPTION 'Migration failed: table item_comment not created';
    END IF;
    IF NOT (to_regclass('item_tag') IS NOT NULL) THEN
        RAISE EXCEPTION 'Migration failed: table item_tag not created';
    END IF;
    IF NOT (to_regclass('microblog_item') IS NOT NULL) THEN
        RAISE EXCEPTION 'Migration failed: table microblog_item not created';
    END IF;
    IF NOT (to_regclass('tag') IS NOT NULL) THEN
        RAISE EXCEPTION 'Migration failed: table tag not created';
    END IF;
    IF NOT (EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'item_comment'::regclass AND conname = 'fk_item_comment_guest_id')) THEN
        RAISE EXCEPTION 'Migration failed: constraint fk_item_comment_guest_id not created';
    END IF;
    IF NOT (EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'item_comment'::regclass AND conname = 'fk_item_comment_item_id')) THEN
        RAISE EXCEPTION 'Migration failed: constraint fk_item_comment_item_id not created';
    END IF;
    IF NOT (EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'item_tag'::regclass AND conname = 'fk_item_tag_item_id')) THEN
        RAISE EXCEPTION 'Migration failed: constraint fk_item_tag_item_id not created';
    END IF;
    IF NOT (EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'item_tag'::regclass AND conname = 'fk_item_tag_tag_id')) THEN
        RAISE EXCEPTION 'Migration failed: constraint fk_item_tag_tag_id not created';
    END IF;
END
$buildamp$;

COMMIT;

-- Rollback instructions (commented)
-- ALTER TABLE item_tag DROP CONSTRAINT IF EXISTS fk_item_tag_tag_id;
-- ALTER TABLE item_tag DROP CONSTRAINT IF EXISTS fk_item_tag_item_id;
-- ALTER TABLE item_comment DROP CONSTRAINT IF EXISTS fk_item_comment_item_id;
-- ALTER TABLE item_comment DROP CONSTRAINT IF EXISTS fk_item_comment_guest_id;
-- -- DESTRUCTIVE: drops table tag and all its rows
-- DROP TABLE tag;
-- -- DESTRUCTIVE: drops table microblog_item and all its rows
-- DROP TABLE microblog_item;
-- -- DESTRUCTIVE: drops table item_tag and all its rows
-- DROP TABLE item_tag;
-- -- DESTRUCTIVE: drops table item_comment and all its rows
-- DROP TABLE item_comment;
-- -- DESTRUCTIVE: drops table guest and all its rows
-- DROP TABLE guest;
-- DROP FUNCTION buildamp_touch_updated_at();
-- DROP TYPE item_status;
