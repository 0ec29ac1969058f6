package dev.tandem.sync.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.sync.Clock;
import dev.tandem.sync.Ids;
import dev.tandem.sync.internal.Json;
import dev.tandem.sync.server.CommandStore.CommandEvent;
import dev.tandem.sync.server.CommandStore.CommandFilter;
import dev.tandem.sync.server.CommandStore.DeviceInfo;
import dev.tandem.sync.server.CommandStore.InsertResult;
import dev.tandem.sync.server.CommandStore.StoredCommand;
import dev.tandem.sync.server.ServerStore.TokenOwner;
import dev.tandem.sync.server.internal.ApiException;
import dev.tandem.sync.server.internal.DeviceLinks;
import dev.tandem.sync.server.internal.LiveConnections;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Devices and remote commands (PROTOCOL "Devices and presence", "Remote commands"): the rules
 * above {@link CommandStore}, and delivery over {@link LiveConnections}.
 *
 * <p>Every status change goes through {@link CommandStore#updateCommand}'s compare-and-set, so a
 * command moves once even when an ack, a redelivery and an expiry race. Delivery runs on one
 * thread of its own ("tandem-commands"), never on a socket's thread: a device coming online, a
 * new command and the sweep all just ask that thread to deliver to a target.
 */
final class CommandRelay implements LiveConnections.Events {
  /** Largest payload or output of a command, as JSON text in UTF-8. */
  static final int MAX_PAYLOAD_BYTES = 1024 * 1024;
  /** Deliveries without an ack after which a command is {@code undeliverable}. */
  static final int MAX_ATTEMPTS = 5;
  static final int DEFAULT_PRIORITY = 5;
  static final long DEFAULT_TTL_SECONDS = 86_400;
  static final long MAX_TTL_SECONDS = 604_800;
  static final int MAX_FIELD = 200;
  static final int MAX_LIST = 500;
  /** History entries kept per command; later {@code running} updates are relayed only. */
  static final int MAX_HISTORY = 1000;
  private static final Pattern TYPE = Pattern.compile("[a-z][a-z0-9_.]{0,63}");
  private static final Set<String> STATUSES = Set.of("queued", "delivered", "acked", "running",
      "succeeded", "failed", "expired", "superseded", "undeliverable");
  private static final Set<String> OPEN = Set.of("queued", "delivered");
  private static final Set<String> RESULT_FROM = Set.of("delivered", "acked", "running");
  private static final Logger LOG = LoggerFactory.getLogger(CommandRelay.class);

  private final ServerStore store;
  private final DeviceLinks live;
  private final Clock clock;
  private final long ackTimeoutMillis;
  private final ThreadPoolExecutor worker;
  // This server's presence rows (CommandStore#setPresence): the devices it recorded online, by
  // team, and when it last renewed them. Used on the relay's thread only.
  private final String node = java.util.UUID.randomUUID().toString();
  private final java.util.Map<String, Set<String>> presentHere = new java.util.HashMap<>();
  private long presenceRenewedAt;
  /** How often this node renews its presence rows. */
  static final long PRESENCE_RENEW_MILLIS = 10_000;
  /** A presence row not renewed for this long is a node gone: its devices count as offline. */
  static final long PRESENCE_STALE_MILLIS = 30_000;

  /** The caller hands the relay to its live side's {@code setEvents}. */
  CommandRelay(ServerStore store, DeviceLinks live, Clock clock, Duration ackTimeout) {
    this.store = store;
    this.live = live;
    this.clock = clock;
    this.ackTimeoutMillis = ackTimeout.toMillis();
    this.worker = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
        new LinkedBlockingQueue<>(10_000), r -> {
          Thread t = new Thread(r, "tandem-commands");
          t.setDaemon(true);
          return t;
        });
  }

  // ---- live events ----

  @Override
  public void deviceOnline(String team, String device) {
    later(() -> {
      store.commands().touchDevice(team, device, clock.millis());
      presence(team, device, true);
      deliver(team, device, true);
    });
  }

  @Override
  public void deviceOffline(String team, String device) {
    later(() -> {
      store.commands().touchDevice(team, device, clock.millis());
      presence(team, device, false);
    });
  }

  /**
   * True once this thread has handled the device's {@code deviceOnline}. A connection is live
   * before that task runs; sending to it earlier (a sweep or a new command in between) would be
   * followed by the task's resend of everything delivered, so the device would get it twice.
   */
  private boolean onlineHere(String team, String device) {
    Set<String> devices = presentHere.get(team);
    return devices != null && devices.contains(device) && live.isOnline(team, device);
  }

  /** Records the device online or offline here, for the other nodes' {@code GET /devices}. */
  private void presence(String team, String device, boolean online) {
    if (online) {
      presentHere.computeIfAbsent(team, t -> new java.util.HashSet<>()).add(device);
    } else {
      Set<String> devices = presentHere.get(team);
      if (devices != null && devices.remove(device) && devices.isEmpty()) {
        presentHere.remove(team);
      }
    }
    store.commands().setPresence(team, device, node, online, clock.millis());
  }

  @Override
  public void commandAck(String team, String device, String commandId) {
    later(() -> ack(team, device, commandId));
  }

  @Override
  public void deliverHere(String team, String target) {
    later(() -> deliver(team, target, false));
  }

  @Override
  public void updateHere(String team, String commandId) {
    later(() -> {
      StoredCommand c = store.commands().command(team, commandId);
      if (c == null) {
        return;
      }
      List<CommandEvent> history = store.commands().commandHistory(team, commandId);
      CommandEvent last = history.isEmpty() ? null : history.get(history.size() - 1);
      live.sendToDevice(team, c.source(), updateFrame(c, c.status(),
          last == null ? null : last.output(), last == null ? c.updatedAt() : last.at()));
    });
  }

  /**
   * Expires what is past its time, sends again what was not acknowledged in time, and gives up
   * after {@link #MAX_ATTEMPTS}. Runs on the relay's thread; the server calls it every second.
   */
  void sweep() {
    long now = clock.millis();
    if (now - presenceRenewedAt >= PRESENCE_RENEW_MILLIS) {
      store.commands().renewPresence(node, presentHere.keySet(), now);
      presenceRenewedAt = now;
    }
    for (StoredCommand c : store.commands().dueCommands(now, MAX_LIST)) {
      if (c.expiresAt() <= now) {
        move(c, OPEN, "expired", -1, -1, null, now);
      } else if (c.attempts() >= MAX_ATTEMPTS) {
        move(c, Set.of("delivered"), "undeliverable", -1, -1,
            "{\"attempts\":" + c.attempts() + "}", now);
      } else if (onlineHere(c.teamId(), c.target())) {
        send(c, now);
      } else {
        // Not connected: it goes out when the device connects; no need to look at it before.
        store.commands().updateCommand(c.teamId(), c.commandId(), Set.of("delivered"), "delivered", -1,
            c.expiresAt(), null, now);
      }
    }
  }

  /** Queues a sweep on the relay's thread. */
  void sweepLater() {
    later(this::sweep);
  }

  /** Waits until the relay's thread has done what was asked of it so far (for tests). */
  void drain() {
    java.util.concurrent.CompletableFuture<Void> done = new java.util.concurrent.CompletableFuture<>();
    later(() -> done.complete(null));
    try {
      done.get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("command relay did not drain", e);
    }
  }

  void close() {
    worker.shutdownNow();
    try {
      worker.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void later(Runnable task) {
    try {
      worker.execute(() -> {
        try {
          task.run();
        } catch (RuntimeException e) {
          // A closed store on shutdown, or a bug: the sweep tries again either way.
          LOG.warn("command relay task failed", e);
        }
      });
    } catch (RejectedExecutionException e) {
      LOG.debug("command relay is closed or full; the sweep catches up", e);
    }
  }

  /**
   * Sends the target's open commands in delivery order. {@code all}: also those delivered and
   * still waiting for their ack (a new connection has not seen them); otherwise only queued ones.
   */
  private void deliver(String team, String target, boolean all) {
    if (!onlineHere(team, target)) {
      return;
    }
    long now = clock.millis();
    for (StoredCommand c : store.commands().deliverable(team, target, MAX_LIST)) {
      if (c.expiresAt() <= now) {
        move(c, OPEN, "expired", -1, -1, null, now);
      } else if (c.status().equals("queued") || all) {
        if (c.attempts() >= MAX_ATTEMPTS) {
          move(c, Set.of("delivered"), "undeliverable", -1, -1,
              "{\"attempts\":" + c.attempts() + "}", now);
        } else {
          send(c, now);
        }
      }
    }
  }

  /** Counts one more attempt, then sends the frame (the store first, so an ack finds it). */
  private void send(StoredCommand c, long now) {
    int attempt = c.attempts() + 1;
    long wait = ackTimeoutMillis << Math.min(attempt - 1, 4);
    StoredCommand d = move(c, OPEN, "delivered", attempt, now + wait,
        "{\"attempt\":" + attempt + "}", now);
    if (d == null) {
      return;
    }
    ObjectNode cmd = Json.object();
    cmd.put("commandId", d.commandId());
    cmd.put("source", d.source());
    cmd.put("type", d.type());
    cmd.set("payload", Json.parse(d.payload()));
    cmd.put("priority", d.priority());
    cmd.put("createdAt", d.createdAt());
    cmd.put("expiresAt", d.expiresAt());
    cmd.put("attempt", attempt);
    ObjectNode frame = Json.object();
    frame.put("type", "command");
    frame.set("command", cmd);
    live.sendToDevice(d.teamId(), d.target(), Json.write(frame));
  }

  /** Moves a command and tells its source; returns it afterwards, or null if it had moved. */
  private StoredCommand move(StoredCommand c, Set<String> from, String to, int attempts,
      long nextAttemptAt, String output, long at) {
    StoredCommand after = store.commands().updateCommand(c.teamId(), c.commandId(), from, to, attempts,
        nextAttemptAt, output, at);
    if (after != null) {
      update(after, to, output, at);
    }
    return after;
  }

  /** Sends {@code command_update} to the source's live connections, on whichever node. */
  private void update(StoredCommand c, String status, String output, long at) {
    live.sendToDeviceAnywhere(c.teamId(), c.source(), updateFrame(c, status, output, at),
        "update " + c.commandId());
  }

  private static String updateFrame(StoredCommand c, String status, String output, long at) {
    ObjectNode frame = Json.object();
    frame.put("type", "command_update");
    frame.put("commandId", c.commandId());
    frame.put("status", status);
    if (output != null) {
      frame.set("output", Json.parse(output));
    } else {
      frame.putNull("output");
    }
    frame.put("at", at);
    return Json.write(frame);
  }

  StoredCommand ack(String team, String device, String commandId) {
    StoredCommand c = store.commands().command(team, commandId);
    if (c == null || !c.target().equals(device)) {
      return null;
    }
    long now = clock.millis();
    // Past its time it is expired, even if the sweep has not come by yet: it must not run.
    StoredCommand after = c.expiresAt() <= now
        ? move(c, OPEN, "expired", -1, -1, null, now)
        : move(c, Set.of("delivered"), "acked", -1, -1, null, now);
    return after != null ? after : store.commands().command(team, commandId);
  }

  // ---- HTTP ----

  /** {@code PUT /devices/self}. */
  byte[] putSelf(TokenOwner owner, byte[] body) {
    ObjectNode node = object(body);
    DeviceInfo d = store.commands().updateDevice(owner.teamId(), owner.deviceId(), optText(node, "name"),
        optText(node, "platform"), optText(node, "appVersion"), clock.millis());
    if (d == null) {
      // The token exists, so the device does: only a store without that token could say no.
      throw new ApiException(404, "unknown_device", "this device is not registered");
    }
    return bytes(device(owner.teamId(), d, present(owner.teamId())));
  }

  /** The team's devices another node recorded online lately (this one asks its connections). */
  private Set<String> present(String team) {
    return store.commands().presentDevices(team, clock.millis() - PRESENCE_STALE_MILLIS, node);
  }

  /** {@code GET /devices}. */
  byte[] devices(TokenOwner owner) {
    ArrayNode list = Json.MAPPER.createArrayNode();
    Set<String> present = present(owner.teamId());
    for (DeviceInfo d : store.commands().devices(owner.teamId())) {
      list.add(device(owner.teamId(), d, present));
    }
    ObjectNode out = Json.object();
    out.set("devices", list);
    return bytes(out);
  }

  private ObjectNode device(String team, DeviceInfo d, Set<String> present) {
    ObjectNode n = Json.object();
    n.put("deviceId", d.deviceId());
    n.put("name", d.name());
    n.put("platform", d.platform());
    n.put("appVersion", d.appVersion());
    n.put("online", live.isOnline(team, d.deviceId()) || present.contains(d.deviceId()));
    n.put("lastSeenAt", d.lastSeenAt());
    n.put("createdAt", d.createdAt());
    return n;
  }

  /** {@code POST /commands}: 202 with the command's id and status. */
  byte[] post(TokenOwner owner, byte[] body) {
    ObjectNode node = object(body);
    String commandId = id(node, "commandId");
    String target = id(node, "target");
    JsonNode type = node.get("type");
    if (type == null || !type.isTextual() || !TYPE.matcher(type.asText()).matches()) {
      throw new ApiException(400, "invalid_type", "type must match [a-z][a-z0-9_.]{0,63}");
    }
    JsonNode payload = node.get("payload");
    if (payload == null || payload.isNull()) {
      payload = Json.object();
    } else if (!payload.isObject()) {
      throw ApiException.badRequest("payload must be a JSON object");
    }
    String payloadJson = Json.write(payload);
    if (payloadJson.getBytes(StandardCharsets.UTF_8).length > MAX_PAYLOAD_BYTES) {
      throw new ApiException(413, "payload_too_large", "payload is over 1 MiB");
    }
    int priority = (int) optLong(node, "priority", DEFAULT_PRIORITY, 0, 9);
    long ttl = optLong(node, "ttlSeconds", DEFAULT_TTL_SECONDS, 1, MAX_TTL_SECONDS);
    String key = optText(node, "conflictKey");
    if (key != null && key.isEmpty()) {
      throw ApiException.badRequest("conflictKey must not be empty");
    }
    StoredCommand existing = store.commands().command(owner.teamId(), commandId);
    if (existing == null && store.commands().device(owner.teamId(), target) == null) {
      // Another team's device is unknown here too: ids never leak across teams.
      throw new ApiException(404, "unknown_device", "no device \"" + target + "\" in this team");
    }
    long now = clock.millis();
    InsertResult r = store.commands().insertCommand(new StoredCommand(owner.teamId(), commandId,
        owner.deviceId(), target, type.asText(), payloadJson, priority, now, now + ttl * 1000,
        key, "queued", 0, 0, now));
    for (StoredCommand old : r.superseded()) {
      update(old, "superseded", "{\"by\":\"" + commandId + "\"}", now);
    }
    if (r.created()) {
      later(() -> deliver(owner.teamId(), target, false));
      if (!live.isOnline(owner.teamId(), target)) {
        // It may be connected to another node sharing the store.
        live.announce(owner.teamId(), "deliver " + target);
      }
    }
    return bytes(status(r.command()));
  }

  /** {@code GET /commands/<id>}: the command with its history. */
  byte[] get(TokenOwner owner, String commandId) {
    StoredCommand c = find(owner, commandId);
    ObjectNode out = command(c);
    ArrayNode history = Json.MAPPER.createArrayNode();
    for (CommandEvent e : store.commands().commandHistory(owner.teamId(), commandId)) {
      ObjectNode h = Json.object();
      h.put("status", e.status());
      if (e.output() != null) {
        h.set("output", Json.parse(e.output()));
      } else {
        h.putNull("output");
      }
      h.put("at", e.at());
      history.add(h);
    }
    out.set("history", history);
    return bytes(out);
  }

  /** {@code GET /commands?target=&status=&device=&limit=}. */
  byte[] list(TokenOwner owner, String target, String status, String device, String limit) {
    if (target != null && !target.isEmpty() && !Ids.isValidId(target)) {
      throw new ApiException(400, "invalid_id", "target " + Ids.ID_RULE);
    }
    if (device != null && !device.isEmpty() && !Ids.isValidId(device)) {
      throw new ApiException(400, "invalid_id", "device " + Ids.ID_RULE);
    }
    if (status != null && !status.isEmpty() && !STATUSES.contains(status)) {
      throw ApiException.badRequest("unknown status \"" + status + "\"; one of " + STATUSES);
    }
    int n = 100;
    if (limit != null && !limit.isEmpty()) {
      try {
        n = Math.min(MAX_LIST, Integer.parseInt(limit));
      } catch (NumberFormatException e) {
        throw ApiException.badRequest("limit must be an integer");
      }
      if (n < 1) {
        throw ApiException.badRequest("limit must be at least 1");
      }
    }
    ArrayNode list = Json.MAPPER.createArrayNode();
    for (StoredCommand c : store.commands().listCommands(owner.teamId(),
        new CommandFilter(blankToNull(target), blankToNull(status), blankToNull(device), n))) {
      list.add(command(c));
    }
    ObjectNode out = Json.object();
    out.set("commands", list);
    return bytes(out);
  }

  /** {@code POST /commands/<id>/ack}, by the target only. */
  byte[] ackHttp(TokenOwner owner, String commandId) {
    StoredCommand c = findAsTarget(owner, commandId);
    StoredCommand after = ack(owner.teamId(), owner.deviceId(), c.commandId());
    return bytes(status(after == null ? c : after));
  }

  /** {@code POST /commands/<id>/result}, by the target only. */
  byte[] result(TokenOwner owner, String commandId, byte[] body) {
    StoredCommand c = findAsTarget(owner, commandId);
    ObjectNode node = object(body);
    JsonNode statusNode = node.get("status");
    String status = statusNode == null || !statusNode.isTextual() ? "" : statusNode.asText();
    if (!Set.of("running", "succeeded", "failed").contains(status)) {
      throw ApiException.badRequest("status must be \"running\", \"succeeded\" or \"failed\"");
    }
    JsonNode output = node.get("output");
    String outputJson = null;
    if (output != null && !output.isNull()) {
      if (!output.isObject()) {
        throw ApiException.badRequest("output must be a JSON object");
      }
      outputJson = Json.write(output);
      if (outputJson.getBytes(StandardCharsets.UTF_8).length > MAX_PAYLOAD_BYTES) {
        throw new ApiException(413, "payload_too_large", "output is over 1 MiB");
      }
    }
    long now = clock.millis();
    if (status.equals("running") && outputJson != null && c.status().equals("running")
        && store.commands().commandHistory(c.teamId(), commandId).size() >= MAX_HISTORY) {
      // Relayed, not kept: a chatty handler cannot grow the history without bound.
      update(c, "running", outputJson, now);
      return bytes(status(c));
    }
    StoredCommand after = move(c, RESULT_FROM, status, -1, -1, outputJson, now);
    return bytes(status(after != null ? after : store.commands().command(c.teamId(), commandId)));
  }

  private StoredCommand find(TokenOwner owner, String commandId) {
    if (!Ids.isValidId(commandId)) {
      throw new ApiException(400, "invalid_id", "command id " + Ids.ID_RULE);
    }
    StoredCommand c = store.commands().command(owner.teamId(), commandId);
    if (c == null) {
      throw new ApiException(404, "unknown_command", "no command \"" + commandId + "\"");
    }
    return c;
  }

  private StoredCommand findAsTarget(TokenOwner owner, String commandId) {
    StoredCommand c = find(owner, commandId);
    if (!c.target().equals(owner.deviceId())) {
      throw ApiException.forbidden("only the command's target may acknowledge or report it");
    }
    return c;
  }

  private static ObjectNode status(StoredCommand c) {
    ObjectNode out = Json.object();
    out.put("commandId", c.commandId());
    out.put("status", c.status());
    return out;
  }

  private static ObjectNode command(StoredCommand c) {
    ObjectNode n = Json.object();
    n.put("commandId", c.commandId());
    n.put("source", c.source());
    n.put("target", c.target());
    n.put("type", c.type());
    n.set("payload", Json.parse(c.payload()));
    n.put("priority", c.priority());
    n.put("createdAt", c.createdAt());
    n.put("expiresAt", c.expiresAt());
    n.put("conflictKey", c.conflictKey());
    n.put("status", c.status());
    n.put("attempt", c.attempts());
    n.put("updatedAt", c.updatedAt());
    return n;
  }

  private static ObjectNode object(byte[] body) {
    JsonNode node;
    try {
      node = Json.MAPPER.readTree(body);
    } catch (IOException e) {
      throw ApiException.badRequest("malformed JSON: " + String.valueOf(e.getMessage())
          .split("\n")[0]);
    }
    if (node == null || !node.isObject()) {
      throw ApiException.badRequest("body must be a JSON object");
    }
    return (ObjectNode) node;
  }

  private static String id(JsonNode node, String name) {
    JsonNode v = node.get(name);
    if (v == null || !v.isTextual()) {
      throw ApiException.badRequest(name + " must be a string");
    }
    if (!Ids.isValidId(v.asText())) {
      throw new ApiException(400, "invalid_id", name + " " + Ids.ID_RULE);
    }
    return v.asText();
  }

  private static String optText(JsonNode node, String name) {
    JsonNode v = node.get(name);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isTextual() || v.asText().length() > MAX_FIELD) {
      throw ApiException.badRequest(name + " must be a string of at most " + MAX_FIELD
          + " characters");
    }
    return v.asText();
  }

  private static long optLong(JsonNode node, String name, long dflt, long min, long max) {
    JsonNode v = node.get(name);
    if (v == null || v.isNull()) {
      return dflt;
    }
    if (!v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < min || v.asLong() > max) {
      throw ApiException.badRequest(name + " must be a whole number from " + min + " to " + max);
    }
    return v.asLong();
  }

  private static String blankToNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }

  private static byte[] bytes(JsonNode node) {
    return Json.write(node).getBytes(StandardCharsets.UTF_8);
  }
}
