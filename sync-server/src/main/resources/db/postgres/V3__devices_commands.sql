-- Devices and remote commands (PROTOCOL "Devices and presence", "Remote commands"), keyed by
-- team first like every other table. seq only orders commands of one priority and millisecond.
CREATE TABLE devices (team TEXT NOT NULL, device TEXT NOT NULL, name TEXT, platform TEXT,
  app_version TEXT, last_seen_at BIGINT NOT NULL DEFAULT 0, PRIMARY KEY (team, device));
CREATE TABLE commands (team TEXT NOT NULL, command_id TEXT NOT NULL,
  seq BIGINT GENERATED ALWAYS AS IDENTITY, source TEXT NOT NULL, target TEXT NOT NULL,
  type TEXT NOT NULL, payload TEXT NOT NULL, priority INTEGER NOT NULL,
  created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL, conflict_key TEXT,
  status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at BIGINT NOT NULL DEFAULT 0, updated_at BIGINT NOT NULL,
  PRIMARY KEY (team, command_id));
CREATE INDEX commands_by_target ON commands (team, target, status, priority, created_at);
CREATE INDEX commands_by_key ON commands (team, target, conflict_key, status);
-- The relay's sweep looks across teams for expiries and redeliveries (one small index scan).
CREATE INDEX commands_open ON commands (status, next_attempt_at, expires_at);
CREATE TABLE command_events (team TEXT NOT NULL, command_id TEXT NOT NULL, n INTEGER NOT NULL,
  status TEXT NOT NULL, output TEXT, at BIGINT NOT NULL, PRIMARY KEY (team, command_id, n));
