-- migrations/rollback/001_rollback.sql
-- Rollback of 001_create_players_teams

BEGIN;

SET LOCAL lock_timeout = '1s';
ALTER TABLE teams DROP CONSTRAINT IF EXISTS fk_teams_captain_id;
ALTER TABLE players DROP CONSTRAINT IF EXISTS fk_players_team_id;
-- DESTRUCTIVE: drops table teams and all its rows
DROP TABLE teams;
-- DESTRUCTIVE: drops table players and all its rows
DROP TABLE players;
DROP FUNCTION buildamp_touch_updated_at();

COMMIT;
