-- migrations/004_drop_labels.sql
-- Auto-generated from model type changes
-- Generated: 2024-12-04 10:30:15
-- Table: labels - dropped (DESTRUCTIVE)
-- buildamp:changes {"tables":["labels"],"fields":[]}

BEGIN;

-- Forward migration
-- DESTRUCTIVE: drops table labels and all its rows
DROP TABLE labels;

COMMIT;

-- Rollback instructions (commented)
-- CREATE TABLE labels (
--     id TEXT PRIMARY KEY,
--     host TEXT NOT NULL,
--     name TEXT NOT NULL,
--     created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
--     updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
--     normalized_name TEXT NOT NULL,
--     CONSTRAINT unique_labels_normalized_name UNIQUE (host, normalized_name)
-- );
-- CREATE TRIGGER trg_labels_updated_at BEFORE UPDATE ON labels FOR EACH ROW EXECUTE FUNCTION buildamp_touch_updated_at();
