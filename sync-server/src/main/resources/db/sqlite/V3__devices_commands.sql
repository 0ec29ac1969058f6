-- Devices and remote commands (PROTOCOL "Devices and presence", "Remote commands").
-- IF NOT EXISTS: servers from before this version created these tables at every open, so a file
-- they wrote may have some or all of them already.

-- What a device said about itself; a device exists once it has a token (tokens table).
CREATE TABLE IF NOT EXISTS devices (
  team TEXT NOT NULL,
  device TEXT NOT NULL,
  name TEXT,
  platform TEXT,
  app_version TEXT,
  last_seen_at INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (team, device)
);

-- One row per command; seq breaks ties between commands of the same priority and millisecond.
CREATE TABLE IF NOT EXISTS commands (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  team TEXT NOT NULL,
  command_id TEXT NOT NULL,
  source TEXT NOT NULL,
  target TEXT NOT NULL,
  type TEXT NOT NULL,
  payload TEXT NOT NULL,
  priority INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  conflict_key TEXT,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL DEFAULT 0,
  updated_at INTEGER NOT NULL,
  UNIQUE (team, command_id)
);

CREATE INDEX IF NOT EXISTS commands_by_target ON commands (team, target, status, priority, created_at);

CREATE INDEX IF NOT EXISTS commands_by_key ON commands (team, target, conflict_key, status);

CREATE INDEX IF NOT EXISTS commands_open ON commands (status, next_attempt_at, expires_at);

-- Every status a command went through, with the output reported with it, in order.
CREATE TABLE IF NOT EXISTS command_events (
  team TEXT NOT NULL,
  command_id TEXT NOT NULL,
  n INTEGER NOT NULL,
  status TEXT NOT NULL,
  output TEXT,
  at INTEGER NOT NULL,
  PRIMARY KEY (team, command_id, n)
);
