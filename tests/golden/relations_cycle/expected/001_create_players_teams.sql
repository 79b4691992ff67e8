-- migrations/001_create_players_teams.sql
-- Auto-generated from Player, Team type changes
-- Generated: 2024-12-04 10:30:15
-- Function: buildamp_touch_updated_at() - created
-- Table: players - created (Player)
-- Table: teams - created (Team)
-- Reference: players.team_id -> teams.id on delete cascade - added (fk_players_team_id)
-- Reference: teams.captain_id -> players.id on delete set null - added (fk_teams_captain_id)
-- buildamp:changes {"tables":["players","teams"],"fields":["players.team_id","teams.captain_id"]}

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
CREATE TABLE players (
    id TEXT PRIMARY KEY DEFAULT CAST(gen_random_uuid() AS text),
    host TEXT NOT NULL,
    team_id TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT unique_players_host_id UNIQUE (host, id)
);
CREATE INDEX idx_players_team_id ON players (host, team_id);
CREATE TRIGGER trg_players_updated_at BEFORE UPDATE ON players FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION buildamp_touch_updated_at();
CREATE TABLE teams (
    id TEXT PRIMARY KEY DEFAULT CAST(gen_random_uuid() AS text),
    host TEXT NOT NULL,
    name TEXT NOT NULL,
    captain_id TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT unique_teams_host_id UNIQUE (host, id)
);
CREATE INDEX idx_teams_captain_id ON teams (host, captain_id);
CREATE TRIGGER trg_teams_updated_at BEFORE UPDATE ON teams FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION buildamp_touch_updated_at();
ALTER TABLE players ADD CONSTRAINT fk_players_team_id FOREIGN KEY (host, team_id) REFERENCES teams (host, id) ON DELETE CASCADE;
ALTER TABLE teams ADD CONSTRAINT fk_teams_captain_id FOREIGN KEY (host, captain_id) REFERENCES players (host, id) ON DELETE SET NULL (captain_id);

-- Validation
DO $buildamp$
BEGIN
    IF NOT (to_regclass('players') IS NOT NULL) THEN
        RAISE EXCEPTION 'Migration failed: table players not created';
    END IF;
    IF NOT (to_regclass('teams') IS NOT NULL) THEN
        RAISE EXCEPTION 'Migration failed: table teams not created';
    END IF;
    IF NOT (EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'players'::regclass AND conname = 'fk_players_team_id')) THEN
        RAISE EXCEPTION 'Migration failed: constraint fk_players_team_id not created';
    END IF;
    IF NOT (EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'teams'::regclass AND conname = 'fk_teams_captain_id')) THEN
        RAISE EXCEPTION 'Migration failed: constraint fk_teams_captain_id not created';
    END IF;
END
$buildamp$;

COMMIT;

-- Rollback instructions (commented)
-- ALTER TABLE teams DROP CONSTRAINT IF EXISTS fk_teams_captain_id;
-- ALTER TABLE players DROP CONSTRAINT IF EXISTS fk_players_team_id;
-- -- DESTRUCTIVE: drops table teams and all its rows
-- DROP TABLE teams;
-- -- DESTRUCTIVE: drops table players and all its rows
-- DROP TABLE players;
-- DROP FUNCTION buildamp_touch_updated_at();
