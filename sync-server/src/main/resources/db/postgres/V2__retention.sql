-- Retention (docs/server.md, "Retention"): when each version was stored, by the server's clock,
-- and per team the highest sequence of a purged delete, below which a cursor is refused.
ALTER TABLE records ADD COLUMN stored_at BIGINT;
-- Deletes from before this version count from the upgrade.
UPDATE records SET stored_at = (EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::BIGINT
  WHERE op = 'delete';
ALTER TABLE teams ADD COLUMN purged_seq BIGINT NOT NULL DEFAULT 0;
CREATE INDEX records_tombstones ON records (team, stored_at) WHERE op = 'delete';
