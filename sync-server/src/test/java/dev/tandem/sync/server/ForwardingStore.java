package dev.tandem.sync.server;

import dev.tandem.sync.protocol.Change;
import java.util.List;

/** A {@link ServerStore} that passes every call to another; tests override what they break. */
class ForwardingStore implements ServerStore {
  final ServerStore inner;

  ForwardingStore(ServerStore inner) {
    this.inner = inner;
  }

  @Override
  public <T> T inTeamTransaction(String teamId, TeamWork<T> work) {
    return inner.inTeamTransaction(teamId, work);
  }

  @Override
  public List<Change> changesSince(String teamId, long afterSeq, int limit) {
    return inner.changesSince(teamId, afterSeq, limit);
  }

  @Override
  public PullPage pullPage(String teamId, long afterSeq, int limit, String deviceId) {
    return inner.pullPage(teamId, afterSeq, limit, deviceId);
  }

  @Override
  public long currentSeq(String teamId) {
    return inner.currentSeq(teamId);
  }

  @Override
  public void ping() {
    inner.ping();
  }

  @Override
  public RetentionResult applyRetention(long tombstonesStoredBefore, long batchesStoredBefore) {
    return inner.applyRetention(tombstonesStoredBefore, batchesStoredBefore);
  }

  @Override
  public void replaceToken(String tokenHash, String teamId, String deviceId, long expiresAt) {
    inner.replaceToken(tokenHash, teamId, deviceId, expiresAt);
  }

  @Override
  public TokenOwner findToken(String tokenHash) {
    return inner.findToken(tokenHash);
  }

  @Override
  public int revokeTokens(String teamId, String deviceId) {
    return inner.revokeTokens(teamId, deviceId);
  }

  @Override
  public void close() {
    inner.close();
  }

  @Override
  public CommandStore commands() {
    return inner.commands();
  }
}
