-- The schema as it was before migrations. IF NOT EXISTS, because files made by those servers
-- already hold these tables (brought to this shape first by the store's legacy upgrade).
-- Every table and index leads with the team.
CREATE TABLE IF NOT EXISTS teams (team TEXT PRIMARY KEY, seq INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS records (team TEXT NOT NULL, type TEXT NOT NULL, id TEXT NOT NULL,
  op TEXT NOT NULL, hlc TEXT NOT NULL, base_hlc TEXT, data TEXT, origin TEXT NOT NULL,
  seq INTEGER NOT NULL, PRIMARY KEY (team, type, id));
CREATE UNIQUE INDEX IF NOT EXISTS records_by_seq ON records (team, seq);
CREATE TABLE IF NOT EXISTS batches (team TEXT NOT NULL, device TEXT NOT NULL,
  batch_id TEXT NOT NULL, response TEXT NOT NULL, created_at INTEGER NOT NULL,
  PRIMARY KEY (team, device, batch_id));
CREATE TABLE IF NOT EXISTS tokens (hash TEXT PRIMARY KEY, team TEXT NOT NULL,
  device TEXT NOT NULL, revoked INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL,
  expires_at INTEGER);
CREATE INDEX IF NOT EXISTS tokens_by_device ON tokens (team, device);
