package dev.tandem.sync.server;

/**
 * Where "a team's sequence moved" goes. The server calls {@link #notify} after every batch that
 * stored something; the local hub tells that team's open {@code /sync/live} connections.
 *
 * <p>This is the seam for several server nodes: a PostgreSQL-backed hub would send the notice with
 * {@code NOTIFY} and feed what {@code LISTEN} hears into every node's local hub.
 */
public interface LiveHub {
  /** Tells whoever listens for {@code teamId} that its sequence reached {@code seq}. */
  void notify(String teamId, long seq);
}
