-- A server store file as servers at schema version 1 wrote it: V1__baseline exactly, recorded
-- in schema_migrations with its checksum, without the retention columns (V2) and the device and
-- command tables (V3), with data in every table. Never edit: it stands for files in the field.
CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, description TEXT NOT NULL,
  checksum TEXT NOT NULL, applied_at BIGINT NOT NULL);
INSERT INTO schema_migrations VALUES (1, 'baseline',
  '1708cdad3226c89addd9492d90cce96b9cdfdc5f1b1b3909afa720b11390eae1', 1700000000000);
CREATE TABLE teams (team TEXT PRIMARY KEY, seq INTEGER NOT NULL);
CREATE TABLE records (team TEXT NOT NULL, type TEXT NOT NULL, id TEXT NOT NULL,
  op TEXT NOT NULL, hlc TEXT NOT NULL, base_hlc TEXT, data TEXT, origin TEXT NOT NULL,
  seq INTEGER NOT NULL, PRIMARY KEY (team, type, id));
CREATE UNIQUE INDEX records_by_seq ON records (team, seq);
CREATE TABLE batches (team TEXT NOT NULL, device TEXT NOT NULL,
  batch_id TEXT NOT NULL, response TEXT NOT NULL, created_at INTEGER NOT NULL,
  PRIMARY KEY (team, device, batch_id));
CREATE TABLE tokens (hash TEXT PRIMARY KEY, team TEXT NOT NULL,
  device TEXT NOT NULL, revoked INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL,
  expires_at INTEGER);
CREATE INDEX tokens_by_device ON tokens (team, device);
INSERT INTO teams VALUES ('t', 3);
INSERT INTO teams VALUES ('u', 1);
INSERT INTO records VALUES ('t', 'note', 'n-1', 'upsert', '000000000001-0000-phone', NULL,
  '{"v":1}', 'phone', 1);
INSERT INTO records VALUES ('t', 'note', 'n-2', 'delete', '000000000002-0000-phone',
  '000000000001-0000-phone', NULL, 'phone', 2);
INSERT INTO records VALUES ('t', 'task', 'k-1', 'upsert', '000000000003-0000-desk', NULL,
  '{"done":false}', 'desk', 3);
INSERT INTO records VALUES ('u', 'note', 'n-1', 'upsert', '000000000001-0000-tab', NULL,
  '{"team":"u"}', 'tab', 1);
INSERT INTO batches VALUES ('t', 'phone', 'b-1', '{"accepted":2}', 1700000000000);
INSERT INTO tokens VALUES ('h-phone', 't', 'phone', 0, 1700000000000, NULL);
INSERT INTO tokens VALUES ('h-desk', 't', 'desk', 0, 1700000000000, 1900000000000);
INSERT INTO tokens VALUES ('h-old', 't', 'desk', 1, 1600000000000, NULL);
INSERT INTO tokens VALUES ('h-tab', 'u', 'tab', 0, 1700000000000, NULL);
