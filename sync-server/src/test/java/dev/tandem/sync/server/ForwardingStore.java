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
  public List<DeviceInfo> devices(String teamId) {
    return inner.devices(teamId);
  }

  @Override
  public DeviceInfo device(String teamId, String deviceId) {
    return inner.device(teamId, deviceId);
  }

  @Override
  public DeviceInfo updateDevice(String teamId, String deviceId, String name, String platform,
      String appVersion, long seenAt) {
    return inner.updateDevice(teamId, deviceId, name, platform, appVersion, seenAt);
  }

  @Override
  public void touchDevice(String teamId, String deviceId, long seenAt) {
    inner.touchDevice(teamId, deviceId, seenAt);
  }

  @Override
  public InsertResult insertCommand(StoredCommand command) {
    return inner.insertCommand(command);
  }

  @Override
  public StoredCommand command(String teamId, String commandId) {
    return inner.command(teamId, commandId);
  }

  @Override
  public List<CommandEvent> commandHistory(String teamId, String commandId) {
    return inner.commandHistory(teamId, commandId);
  }

  @Override
  public List<StoredCommand> listCommands(String teamId, CommandFilter filter) {
    return inner.listCommands(teamId, filter);
  }

  @Override
  public List<StoredCommand> deliverable(String teamId, String target, int limit) {
    return inner.deliverable(teamId, target, limit);
  }

  @Override
  public List<StoredCommand> dueCommands(long now, int limit) {
    return inner.dueCommands(now, limit);
  }

  @Override
  public StoredCommand updateCommand(String teamId, String commandId, java.util.Set<String> from,
      String to, int attempts, long nextAttemptAt, String output, long at) {
    return inner.updateCommand(teamId, commandId, from, to, attempts, nextAttemptAt, output, at);
  }
}
