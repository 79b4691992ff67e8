-- migrations/001_create_events.sql
-- Auto-generated from Event type changes
-- Generated: 2024-12-04 10:30:15
-- Function: buildamp_touch_updated_at() - created
-- Table: events - created (Event)
-- buildamp:changes {"tables":["events"],"fields":[]}

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
CREATE TABLE events (
    id TEXT PRIMARY KEY,
    data JSONB NOT NULL,
    host TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT chk_events_kind_present CHECK (data ? 'kind' AND data -> 'kind' <> CAST('null' AS jsonb))
);
CREATE INDEX idx_events_kind ON events (host, (data ->> 'kind'));
CREATE INDEX idx_events_kind_created_at_desc ON events (host, (data ->> 'kind'), created_at DESC);
CREATE INDEX idx_events_sequence ON events (host, (CAST(data ->> 'sequence' AS bigint)));
CREATE UNIQUE INDEX unique_events_dedupe_key ON events (host, (data ->> 'dedupe_key'));
CREATE TRIGGER trg_events_updated_at BEFORE UPDATE ON events FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION buildamp_touch_updated_at();

-- Validation
DO $buildamp$
BEGIN
    IF NOT (to_regclass('events') IS NOT NULL) THEN
        RAISE EXCEPTION 'Migration failed: table events not created';
    END IF;
END
$buildamp$;

COMMIT;

-- Rollback instructions (commented)
-- -- DESTRUCTIVE: drops table events and all its rows
-- DROP TABLE events;
-- DROP FUNCTION buildamp_touch_updated_at();
