-- Every table but tokens leads its primary key and indexes with the team, and no statement of
-- the server joins or orders across teams, so the team can be the distribution column of a
-- sharded deployment (docs/server-postgres.md). No global sequences: each team's numbers come
-- from its own row in teams, locked by the pushing transaction.
CREATE TABLE teams (team TEXT PRIMARY KEY, seq BIGINT NOT NULL);
CREATE TABLE records (team TEXT NOT NULL, type TEXT NOT NULL, id TEXT NOT NULL,
  op TEXT NOT NULL, hlc TEXT NOT NULL, base_hlc TEXT, data TEXT, origin TEXT NOT NULL,
  seq BIGINT NOT NULL, PRIMARY KEY (team, type, id));
CREATE UNIQUE INDEX records_by_seq ON records (team, seq);
CREATE TABLE batches (team TEXT NOT NULL, device TEXT NOT NULL, batch_id TEXT NOT NULL,
  response TEXT NOT NULL, created_at BIGINT NOT NULL, PRIMARY KEY (team, device, batch_id));
-- Looked up by the token's hash before the team is known: the one table keyed otherwise (a
-- reference table, copied to every shard, when sharded).
CREATE TABLE tokens (hash TEXT PRIMARY KEY, team TEXT NOT NULL, device TEXT NOT NULL,
  revoked BOOLEAN NOT NULL DEFAULT FALSE, created_at BIGINT NOT NULL, expires_at BIGINT);
CREATE INDEX tokens_by_device ON tokens (team, device);
