package dev.tandem.sync.server.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.sync.internal.Json;
import dev.tandem.sync.protocol.FrameType;
import dev.tandem.sync.protocol.ProtocolCodec;
import dev.tandem.sync.server.LiveHub;
import dev.tandem.sync.server.ServerStore;
import io.javalin.websocket.WsConfig;
import io.javalin.websocket.WsContext;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.api.StatusCode;
import org.eclipse.jetty.websocket.api.WriteCallback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local {@link LiveHub}: the open {@code /sync/live} connections of this server, by team.
 *
 * <p>Every connection has at most one frame being written at a time, a small queue of control
 * frames (pong, ping) and one pending cursor. Notices for a team only raise that pending cursor,
 * so however fast a team's sequence moves, a connection gets at most one {@code changes} frame per
 * {@link #COALESCE} and never a backlog. Writes are asynchronous: the thread that committed a
 * batch never waits for a socket. A connection whose write does not finish within
 * {@link #WRITE_TIMEOUT} is dropped.
 */
public final class LiveConnections implements LiveHub, DeviceLinks {
  public static final int MAX_FRAME_BYTES = 64 * 1024;
  static final Duration COALESCE = Duration.ofMillis(20);
  static final Duration WRITE_TIMEOUT = Duration.ofSeconds(10);
  private static final int MAX_CONTROL_QUEUE = 16;
  /** Presence and command frames waiting for one connection, in chars, before it is dropped. */
  static final long MAX_MESSAGE_BYTES = 8L * 1024 * 1024;
  private static final Logger LOG = LoggerFactory.getLogger(LiveConnections.class);
  private static final String PING = ProtocolCodec.writeFrame(FrameType.PING, null);
  private static final String PONG = ProtocolCodec.writeFrame(FrameType.PONG, null);
  private static final String CONN_KEY = "tandem.conn";

  private final ServerStore store;
  private final Duration pingInterval;
  private final Map<String, Set<Conn>> byTeam = new ConcurrentHashMap<>();
  /** Open connections per team and device ({@link #deviceKey}); guarded by itself. */
  private final Map<String, Integer> perDevice = new java.util.HashMap<>();
  private volatile Events events = Events.NONE;
  private final ScheduledExecutorService scheduler;
  private volatile boolean closed;

  public LiveConnections(ServerStore store, Duration pingInterval) {
    this.store = store;
    this.pingInterval = pingInterval;
    this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "tandem-live");
      t.setDaemon(true);
      return t;
    });
    // Often enough that pings go out close to every interval, so that two missed keep-alives
    // take about two intervals to notice.
    long sweepMillis = Math.max(10, Math.min(1000, pingInterval.toMillis() / 4));
    scheduler.scheduleWithFixedDelay(this::sweep, sweepMillis, sweepMillis, TimeUnit.MILLISECONDS);
  }

  /**
   * What the command relay hears from the live side: a device's first connection opened, its
   * last one closed, and {@code command_ack} frames. Called on Jetty's threads; must not block.
   */
  public interface Events {
    Events NONE = new Events() {};

    default void deviceOnline(String team, String device) {}

    default void deviceOffline(String team, String device) {}

    default void commandAck(String team, String device, String commandId) {}

    /** Another node stored a command for {@code target}, which may be connected here. */
    default void deliverHere(String team, String target) {}

    /** Another node moved a command whose update was too long for a notice. */
    default void updateHere(String team, String commandId) {}
  }

  /** Sets who hears {@link Events}; one listener, the server's relay. */
  public void setEvents(Events events) {
    this.events = events;
  }

  @Override
  public boolean isOnline(String team, String device) {
    synchronized (perDevice) {
      return perDevice.containsKey(deviceKey(team, device));
    }
  }

  /**
   * Queues a frame for every live connection of that device; returns how many it went to. A
   * connection that has more than {@link #MAX_MESSAGE_BYTES} waiting is dropped: whatever it
   * missed is sent again when it reconnects.
   */
  @Override
  public int sendToDevice(String team, String device, String frame) {
    int n = 0;
    Set<Conn> conns = byTeam.get(team);
    if (conns != null) {
      for (Conn c : conns) {
        if (c.device.equals(device)) {
          c.message(frame);
          n++;
        }
      }
    }
    return n;
  }

  /** Queues a frame for the team's live connections of every device but {@code except}. */
  public void sendToTeam(String team, String except, String frame) {
    Set<Conn> conns = byTeam.get(team);
    if (conns != null) {
      for (Conn c : conns) {
        if (!c.device.equals(except)) {
          c.message(frame);
        }
      }
    }
  }

  /** Tells the other nodes; a failure costs them this notice only (reconnects catch up). */
  public void announce(String team, String notice) {
    try {
      store.announce(team, notice);
    } catch (RuntimeException e) {
      LOG.warn("could not tell the other nodes: {}", e.getMessage());
    }
  }

  /**
   * Sends {@code frame} to the device's connections here and, if it has none here, to the other
   * nodes' (a frame too long for a notice becomes {@code fallback}, which they act on instead).
   */
  public void sendToDeviceAnywhere(String team, String device, String frame, String fallback) {
    if (sendToDevice(team, device, frame) == 0) {
      String notice = "device " + device + " " + frame;
      announce(team, notice.length() <= ServerStore.MAX_NOTICE_CHARS ? notice : fallback);
    }
  }

  /** What another node announced (see {@link #announce}): frames for devices connected here. */
  @Override
  public void announced(String team, String notice) {
    String[] p = notice.split(" ", 3);
    switch (p[0]) {
      case "team":
        if (p.length == 3) {
          sendToTeam(team, p[1], p[2]);
        }
        break;
      case "device":
        if (p.length == 3) {
          sendToDevice(team, p[1], p[2]);
        }
        break;
      case "deliver":
        if (p.length >= 2 && isOnline(team, p[1])) {
          events.deliverHere(team, p[1]);
        }
        break;
      case "update":
        if (p.length >= 2) {
          events.updateHere(team, p[1]);
        }
        break;
      default:
        // A notice of a newer node: nothing this one knows to do.
        break;
    }
  }

  private static String deviceKey(String team, String device) {
    return team + '\0' + device;
  }

  /** Counts an added connection; tells everyone when it is the device's first. */
  private void counted(Conn conn) {
    boolean first;
    synchronized (perDevice) {
      first = perDevice.merge(deviceKey(conn.team, conn.device), 1, Integer::sum) == 1;
    }
    if (first) {
      presence(conn, true);
    }
  }

  /** Uncounts a removed connection; tells everyone when it was the device's last. */
  private void uncounted(Conn conn) {
    boolean last;
    synchronized (perDevice) {
      String key = deviceKey(conn.team, conn.device);
      Integer n = perDevice.get(key);
      if (n == null) {
        return;
      }
      last = n == 1;
      if (last) {
        perDevice.remove(key);
      } else {
        perDevice.put(key, n - 1);
      }
    }
    if (last && !closed) {
      presence(conn, false);
    }
  }

  private void presence(Conn conn, boolean online) {
    String frame = "{\"type\":\"presence\",\"deviceId\":\"" + conn.device + "\",\"online\":"
        + online + ",\"at\":" + System.currentTimeMillis() + "}";
    sendToTeam(conn.team, conn.device, frame);
    announce(conn.team, "team " + conn.device + " " + frame);
    try {
      if (online) {
        events.deviceOnline(conn.team, conn.device);
      } else {
        events.deviceOffline(conn.team, conn.device);
      }
    } catch (RuntimeException e) {
      LOG.warn("presence listener failed", e);
    }
  }

  /** Idle connections are closed after this long without any frame (clients ping every 30 s). */
  public Duration idleTimeout() {
    return pingInterval.multipliedBy(3);
  }

  /** Returns the number of open connections. */
  public int size() {
    int n = 0;
    for (Set<Conn> s : byTeam.values()) {
      n += s.size();
    }
    return n;
  }

  /** Installs the handlers of the {@code /sync/live} endpoint. Auth happened before the upgrade. */
  public void configure(WsConfig ws) {
    ws.onConnect(ctx -> {
      ctx.session.setIdleTimeout(idleTimeout());
      Conn conn = new Conn(ctx.header("X-Team-ID"), ctx.header("X-Device-ID"), ctx.session);
      ctx.attribute(CONN_KEY, conn);
      if (closed) {
        ctx.closeSession(StatusCode.SHUTDOWN, "server is shutting down");
        return;
      }
      byTeam.computeIfAbsent(conn.team, t -> ConcurrentHashMap.newKeySet()).add(conn);
      counted(conn);
    });
    ws.onMessage(ctx -> onText(ctx, ctx.message()));
    ws.onBinaryMessage(ctx -> reject(ctx, StatusCode.BAD_DATA, "binary frames are not part of the protocol"));
    ws.onClose(ctx -> remove(ctx.attribute(CONN_KEY)));
    ws.onError(ctx -> {
      Conn conn = ctx.attribute(CONN_KEY);
      remove(conn);
      LOG.debug("live connection failed", ctx.error());
    });
  }

  @Override
  public void notify(String teamId, long seq) {
    Set<Conn> conns = byTeam.get(teamId);
    if (conns == null) {
      return;
    }
    for (Conn c : conns) {
      c.offer(seq);
    }
  }

  @Override
  public Set<String> teams() {
    Set<String> out = new java.util.HashSet<>();
    byTeam.forEach((team, conns) -> {
      if (!conns.isEmpty()) {
        out.add(team);
      }
    });
    return out;
  }

  /**
   * Closes every connection with "going away", waits up to {@code timeout} for the peers to
   * answer the close (so they see 1001, not a broken socket), and stops the scheduler.
   */
  public void close(Duration timeout) {
    closed = true;
    for (Set<Conn> conns : byTeam.values()) {
      for (Conn c : conns) {
        c.close(StatusCode.SHUTDOWN, "server is shutting down");
      }
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    while (size() > 0 && System.nanoTime() < deadline) {
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    byTeam.clear();
    scheduler.shutdownNow();
  }

  private void onText(WsContext ctx, String text) {
    Conn conn = ctx.attribute(CONN_KEY);
    if (conn == null) {
      return;
    }
    conn.unansweredPings = 0;
    JsonNode node;
    try {
      node = Json.MAPPER.readTree(text);
    } catch (Exception e) {
      reject(ctx, StatusCode.BAD_DATA, "frame is not JSON");
      return;
    }
    if (node == null || !node.isObject() || !node.path("type").isTextual()) {
      reject(ctx, StatusCode.BAD_DATA, "frame must be a JSON object with a string \"type\"");
      return;
    }
    String type = node.get("type").asText();
    FrameType frameType = FrameType.fromWire(type);
    if (frameType == null) {
      reject(ctx, StatusCode.POLICY_VIOLATION, "unknown message type \""
          + (type.length() > 40 ? type.substring(0, 40) + "…" : type) + "\"");
      return;
    }
    switch (frameType) {
      case HELLO:
        long deviceSeq;
        try {
          JsonNode cursor = node.get("cursor");
          deviceSeq = Cursors.parse(cursor == null || cursor.isNull() ? null : cursor.asText());
        } catch (ApiException e) {
          reject(ctx, StatusCode.POLICY_VIOLATION, "bad cursor in hello");
          return;
        }
        long current = store.currentSeq(conn.team);
        if (current > deviceSeq) {
          conn.offer(current);
        }
        break;
      case PING:
        conn.control(PONG);
        break;
      case COMMAND_ACK:
        JsonNode id = node.get("commandId");
        if (id != null && id.isTextual()) {
          try {
            events.commandAck(conn.team, conn.device, id.asText());
          } catch (RuntimeException e) {
            LOG.warn("command ack failed", e);
          }
        }
        break;
      default:
        // A pong has done its work by arriving; a device has no changes to announce.
        break;
    }
  }

  private void reject(WsContext ctx, int status, String reason) {
    LOG.info("closing live connection: {}", reason);
    remove(ctx.attribute(CONN_KEY));
    ctx.closeSession(status, reason);
  }

  private void remove(Conn conn) {
    if (conn == null) {
      return;
    }
    conn.closed = true;
    Set<Conn> conns = byTeam.get(conn.team);
    if (conns != null && conns.remove(conn)) {
      uncounted(conn);
    }
  }

  private void sweep() {
    long now = System.nanoTime();
    boolean ping = false;
    for (Set<Conn> conns : byTeam.values()) {
      for (Conn c : conns) {
        if (c.writing && now - c.writeStartedNanos > WRITE_TIMEOUT.toNanos()) {
          LOG.info("dropping slow live connection of team {}", c.team);
          remove(c);
          c.session.disconnect();
        } else if (now - c.lastPingNanos > pingInterval.toNanos()) {
          if (c.unansweredPings >= 2) {
            // Two keep-alives missed: a device that vanished without a close (PROTOCOL "Devices
            // and presence") is offline now, not when TCP finally notices.
            LOG.info("dropping silent live connection of device {}", c.device);
            remove(c);
            c.session.disconnect();
          } else {
            c.lastPingNanos = now;
            c.unansweredPings++;
            c.control(PING);
          }
        }
      }
    }
  }

  /** One connection's outgoing side. All fields are guarded by {@code this}, bar the volatiles. */
  private final class Conn implements WriteCallback {
    final String team;
    final String device;
    final Session session;
    final ArrayDeque<String> controlQueue = new ArrayDeque<>();
    final ArrayDeque<String> messages = new ArrayDeque<>();
    long messageBytes;
    /** Pings sent since the peer last sent anything; touched by the sweep and the reader. */
    volatile int unansweredPings;
    long pendingSeq = -1;
    long sentSeq = -1;
    long lastChangesNanos = System.nanoTime() - COALESCE.toNanos();
    boolean timerArmed;
    volatile boolean writing;
    volatile long writeStartedNanos;
    volatile long lastPingNanos = System.nanoTime();
    volatile boolean closed;

    Conn(String team, String device, Session session) {
      this.team = team;
      this.device = device;
      this.session = session;
    }

    void message(String frame) {
      boolean overflow;
      synchronized (this) {
        overflow = messageBytes + frame.length() > MAX_MESSAGE_BYTES && !messages.isEmpty();
        if (!overflow) {
          messages.add(frame);
          messageBytes += frame.length();
        }
      }
      if (overflow) {
        remove(this);
        close(StatusCode.POLICY_VIOLATION, "too many frames waiting");
        return;
      }
      pump();
    }

    void offer(long seq) {
      synchronized (this) {
        pendingSeq = Math.max(pendingSeq, seq);
      }
      pump();
    }

    void control(String frame) {
      synchronized (this) {
        if (controlQueue.size() >= MAX_CONTROL_QUEUE) {
          // A peer that pings faster than it reads is misbehaving; don't buffer for it.
          closed = true;
        } else {
          controlQueue.add(frame);
        }
      }
      if (closed) {
        remove(this);
        close(StatusCode.POLICY_VIOLATION, "too many frames waiting");
        return;
      }
      pump();
    }

    void pump() {
      synchronized (this) {
        if (closed || writing || !session.isOpen()) {
          return;
        }
        String frame = controlQueue.poll();
        if (frame == null) {
          frame = messages.poll();
          if (frame != null) {
            messageBytes -= frame.length();
          }
        }
        if (frame == null) {
          if (pendingSeq <= sentSeq) {
            return;
          }
          long wait = lastChangesNanos + COALESCE.toNanos() - System.nanoTime();
          if (wait > 0) {
            if (!timerArmed && !scheduler.isShutdown()) {
              timerArmed = true;
              scheduler.schedule(() -> {
                synchronized (this) {
                  timerArmed = false;
                }
                pump();
              }, wait, TimeUnit.NANOSECONDS);
            }
            return;
          }
          sentSeq = pendingSeq;
          lastChangesNanos = System.nanoTime();
          frame = ProtocolCodec.writeFrame(FrameType.CHANGES, Cursors.format(sentSeq));
        }
        writing = true;
        writeStartedNanos = System.nanoTime();
        try {
          session.getRemote().sendString(frame, this);
        } catch (RuntimeException e) {
          writing = false;
          closed = true;
        }
      }
      if (closed) {
        remove(this);
      }
    }

    @Override
    public void writeSuccess() {
      writing = false;
      // Hop to the scheduler: the callback may run on the thread that is inside pump().
      if (!scheduler.isShutdown()) {
        try {
          scheduler.execute(this::pump);
        } catch (RuntimeException ignored) {
          // Shutting down.
        }
      }
    }

    @Override
    public void writeFailed(Throwable x) {
      writing = false;
      remove(this);
      LOG.debug("live write failed for team {}", team, x);
    }

    void close(int status, String reason) {
      closed = true;
      try {
        session.close(status, reason);
      } catch (RuntimeException e) {
        session.disconnect();
      }
    }
  }
}
