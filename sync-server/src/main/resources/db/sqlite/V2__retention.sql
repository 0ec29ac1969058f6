-- Retention (docs/server.md, "Retention"): when each version was stored, by the server's clock,
-- and per team the highest sequence of a purged delete, below which a cursor is refused.
-- A file whose columns a server from before this version added at every open has them already:
-- the store then records this version without running it.
ALTER TABLE records ADD COLUMN stored_at INTEGER;
-- Deletes from before this version count from the upgrade (the server's clock).
UPDATE records SET stored_at = :now WHERE op = 'delete';
ALTER TABLE teams ADD COLUMN purged_seq INTEGER NOT NULL DEFAULT 0;
CREATE INDEX records_tombstones ON records (stored_at) WHERE op = 'delete';
