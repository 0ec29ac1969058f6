package dev.tandem.sync.server;

import dev.tandem.sync.protocol.Change;
import java.util.List;
import java.util.Objects;

/** A {@link ServerStore} that passes every call to another; subclasses override what they add. */
abstract class ForwardingServerStore implements ServerStore {
  private final ServerStore store;

  ForwardingServerStore(ServerStore store) {
    this.store = Objects.requireNonNull(store, "store");
  }

  /** Returns the store behind this one. */
  public ServerStore store() {
    return store;
  }

  @Override
  public <T> T inTeamTransaction(String teamId, TeamWork<T> work) {
    return store.inTeamTransaction(teamId, work);
  }

  @Override
  public List<Change> changesSince(String teamId, long afterSeq, int limit) {
    return store.changesSince(teamId, afterSeq, limit);
  }

  @Override
  public PullPage pullPage(String teamId, long afterSeq, int limit, String deviceId) {
    return store.pullPage(teamId, afterSeq, limit, deviceId);
  }

  @Override
  public long currentSeq(String teamId) {
    return store.currentSeq(teamId);
  }

  @Override
  public RetentionResult applyRetention(long tombstonesStoredBefore, long batchesStoredBefore) {
    return store.applyRetention(tombstonesStoredBefore, batchesStoredBefore);
  }

  @Override
  public CommandStore commands() {
    return store.commands();
  }

  @Override
  public void ping() {
    store.ping();
  }

  @Override
  public void announce(String teamId, String notice) {
    store.announce(teamId, notice);
  }

  @Override
  public void replaceToken(String tokenHash, String teamId, String deviceId, long expiresAt) {
    store.replaceToken(tokenHash, teamId, deviceId, expiresAt);
  }

  @Override
  public TokenOwner findToken(String tokenHash) {
    return store.findToken(tokenHash);
  }

  @Override
  public int revokeTokens(String teamId, String deviceId) {
    return store.revokeTokens(teamId, deviceId);
  }

  @Override
  public void addTokenListener(TokenListener listener) {
    store.addTokenListener(listener);
  }

  @Override
  public void close() {
    store.close();
  }
}
