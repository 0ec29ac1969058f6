-- Which server node has a live connection of which device, renewed by that node every 10 s:
-- GET /devices answers online on every node while a row is fresh (docs/server-postgres.md,
-- "Presence across nodes"). A node that dies leaves rows that go stale within 30 s.
CREATE TABLE presence (team TEXT NOT NULL, device TEXT NOT NULL, node TEXT NOT NULL,
  seen_at BIGINT NOT NULL, PRIMARY KEY (team, device, node));
