-- migrations/001_create_item_tags_items_tags.sql
-- Auto-generated from Item, ItemTag, Tag type changes
-- Generated: 2024-12-04 10:30:15
-- Function: buildamp_touch_updated_at() - created
-- Table: item_tags - created (ItemTag)
-- Table: items - created (Item)
-- Table: tags - created (Tag)
-- Reference: item_tags.item_id -> items.id on delete cascade - added (fk_item_tags_item_id)
-- Reference: item_tags.tag_id -> tags.id on delete cascade - added (fk_item_tags_tag_id)
-- buildamp:changes {"tables":["item_tags","items","tags"],"fields":["item_tags.item_id","item_tags.tag_id"]}

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
CREATE TABLE item_tags (
    item_id TEXT NOT NULL,
    host TEXT NOT NULL,
    tag_id TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (item_id, tag_id)
);
CREATE INDEX idx_item_tags_item_id ON item_tags (host, item_id);
CREATE INDEX idx_item_tags_tag_id ON item_tags (host, tag_id);
CREATE TRIGGER trg_item_tags_updated_at BEFORE UPDATE ON item_tags FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION buildamp_touch_updated_at();
CREATE TABLE items (
    id TEXT PRIMARY KEY DEFAULT CAST(gen_random_uuid() AS text),
    host TEXT NOT NULL,
    title TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT unique_items_host_id UNIQUE (host, id)
);
CREATE TRIGGER trg_items_updated_at BEFORE UPDATE ON items FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION buildamp_touch_updated_at();
CREATE TABLE tags (
    id TEXT PRIMARY KEY DEFAULT CAST(gen_random_uuid() AS text),
    host TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT unique_tags_host_id UNIQUE (host, id)
);
CREATE TRIGGER trg_tags_updated_at BEFORE UPDATE ON tags FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION buildamp_touch_updated_at();
ALTER TABLE item_tags ADD CONSTRAINT fk_item_tags_item_id FOREIGN KEY (host, item_id) REFERENCES items (host, id) ON DELETE CASCADE;
ALTER TABLE item_tags ADD CONSTRAINT fk_item_tags_tag_id FOREIGN KEY (host, tag_id) REFERENCES tags (host, id) ON DELETE CASCADE;

-- Validation
DO $buildamp$
BEGIN
    IF NOT (to_regclass('item_tags') IS NOT NULL) THEN
        RAISE EXCEPTION 'Migration failed: table item_tags not created';
    END IF;
    IF NOT (to_regclass('items') IS NOT NULL) THEN
        RAISE EXCEPTION 'Migration failed: table items not created';
    END IF;
    IF NOT (to_regclass('tags') IS NOT NULL) THEN
        RAISE EXCEPTION 'Migration failed: table tags not created';
    END IF;
    IF NOT (EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'item_tags'::regclass AND conname = 'fk_item_tags_item_id')) THEN
        RAISE EXCEPTION 'Migration failed: constraint fk_item_tags_item_id not created';
    END IF;
    IF NOT (EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'item_tags'::regclass AND conname = 'fk_item_tags_tag_id')) THEN
        RAISE EXCEPTION 'Migration failed: constraint fk_item_tags_tag_id not created';
    END IF;
END
$buildamp$;

COMMIT;

-- Rollback instructions (commented)
-- ALTER TABLE item_tags DROP CONSTRAINT IF EXISTS fk_item_tags_tag_id;
-- ALTER TABLE item_tags DROP CONSTRAINT IF EXISTS fk_item_tags_item_id;
-- -- DESTRUCTIVE: drops table tags and all its rows
-- DROP TABLE tags;
-- -- DESTRUCTIVE: drops table items and all its rows
-- DROP TABLE items;
-- -- DESTRUCTIVE: drops table item_tags and all its rows
-- DROP TABLE item_tags;
-- DROP FUNCTION buildamp_touch_updated_at();
