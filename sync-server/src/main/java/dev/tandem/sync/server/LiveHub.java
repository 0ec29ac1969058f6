package dev.tandem.sync.server;

/**
 * Where "a team's sequence moved" goes. The server calls {@link #notify} after every batch that
 * stored something; the local hub tells that team's open {@code /sync/live} connections.
 *
 * <p>This is the seam for several server nodes: with {@link PostgresServerStore} the notice also
 * goes out with {@code NOTIFY}, and each node's {@link PostgresListener} feeds what {@code LISTEN}
 * hears into that node's local hub.
 */
public interface LiveHub {
  /** Tells whoever listens for {@code teamId} that its sequence reached {@code seq}. */
  void notify(String teamId, long seq);

  /**
   * Returns the teams this hub delivers to right now (for a node catching up on notices it may
   * have missed); empty for a hub that forwards elsewhere.
   */
  default java.util.Set<String> teams() {
    return java.util.Set.of();
  }

  /** Hears a notice another node sent with {@link ServerStore#announce}; ignored by default. */
  default void announced(String teamId, String notice) {}
}
