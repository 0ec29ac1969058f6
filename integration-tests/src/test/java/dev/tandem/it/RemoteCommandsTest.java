package dev.tandem.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.sync.CommandInfo;
import dev.tandem.sync.CommandOptions;
import dev.tandem.sync.CommandUpdate;
import dev.tandem.sync.Device;
import dev.tandem.sync.SyncStatus;
import dev.tandem.sync.Tandem;
import dev.tandem.sync.TransportException;
import dev.tandem.sync.protocol.PullResponse;
import dev.tandem.sync.protocol.PushRequest;
import dev.tandem.sync.protocol.PushResponse;
import dev.tandem.sync.spi.Transport;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** {@code tandem.devices()} and {@code tandem.commands()} between devices on a real server. */
class RemoteCommandsTest extends ClusterTest {
  static final Duration PATIENCE = Duration.ofSeconds(60);

  Tandem live(String id) {
    return cluster.device(id, b -> b.autoSync(true));
  }

  static void awaitLive(Tandem... devices) {
    for (Tandem t : devices) {
      await().atMost(PATIENCE).until(() -> t.status().mode() == SyncStatus.Mode.LIVE);
    }
  }

  static CommandUpdate end(java.util.concurrent.CompletableFuture<CommandUpdate> f)
      throws Exception {
    return f.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
  }

  @Test
  void onlineCommand_runsOnTheTarget_andItsProgressAndResultReachTheSender() throws Exception {
    Tandem desk = live("desk");
    Tandem phone = live("phone");
    desk.commands().onCommand("agent.prompt", (cmd, report) -> {
      for (int i = 1; i <= 3; i++) {
        report.progress("{\"step\":" + i + "}");
      }
      report.succeed("{\"echo\":" + cmd.payload() + ",\"from\":\"" + cmd.source() + "\"}");
    });
    awaitLive(desk, phone);
    List<CommandUpdate> progress = new CopyOnWriteArrayList<>();
    CommandUpdate end = end(phone.commands().send("desk", "agent.prompt",
        "{\"prompt\":\"hi\"}", CommandOptions.defaults().onProgress(progress::add)));
    assertEquals("succeeded", end.status());
    assertEquals("{\"echo\":{\"prompt\":\"hi\"},\"from\":\"phone\"}", end.output());
    List<String> steps = progress.stream().filter(u -> u.status().equals("running"))
        .map(CommandUpdate::output).collect(Collectors.toList());
    assertEquals(List.of("{\"step\":1}", "{\"step\":2}", "{\"step\":3}"), steps);
    CommandInfo info = phone.commands().get(end.commandId());
    assertEquals("succeeded", info.status());
    assertEquals(List.of("queued", "delivered", "acked", "running", "running", "running",
        "succeeded"), info.history().stream().map(CommandUpdate::status)
        .collect(Collectors.toList()));
    assertEquals(1, desk.commands().list("succeeded", 10).size());
  }

  @Test
  void commandForAnOfflineDevice_waits_andRunsWhenItComesOnline() throws Exception {
    cluster.server().createToken(Cluster.TEAM, "desk");
    Tandem phone = live("phone");
    var sent = phone.commands().send("desk", "agent.prompt", "{\"prompt\":\"later\"}", null);
    await().atMost(PATIENCE).until(() -> {
      CommandInfo c = phone.commands().list(null, 10).stream().findFirst().orElse(null);
      return c != null && c.status().equals("queued");
    });
    assertFalse(sent.isDone());
    Tandem desk = live("desk");
    desk.commands().onCommand("agent.prompt", (cmd, report) -> report.succeed(cmd.payload()));
    assertEquals("{\"prompt\":\"later\"}", end(sent).output());
  }

  @Test
  void unknownTarget_failsTheFuture_with404() {
    Tandem phone = live("phone");
    ExecutionException e = assertThrows(ExecutionException.class,
        () -> end(phone.commands().send("nobody", "agent.prompt", null, null)));
    assertTrue(e.getCause() instanceof TransportException, e.toString());
    assertEquals(404, ((TransportException) e.getCause()).httpStatus());
    assertEquals("unknown_device", ((TransportException) e.getCause()).errorCode());
    assertThrows(IllegalArgumentException.class,
        () -> phone.commands().send("desk", "Bad Type", null, null));
    assertThrows(IllegalArgumentException.class,
        () -> phone.commands().send("desk", "x", "[1]", null));
  }

  @Test
  void handlerRunsOnce_whenTheSameCommandArrivesTwice() throws Exception {
    Tandem desk = cluster.device("desk", dev.tandem.sync.Clock.SYSTEM,
        TwiceTransport::new, b -> b.autoSync(true));
    Tandem phone = live("phone");
    AtomicInteger runs = new AtomicInteger();
    desk.commands().onCommand("agent.prompt", (cmd, report) -> {
      runs.incrementAndGet();
      report.succeed(null);
    });
    awaitLive(desk, phone);
    assertEquals("succeeded", end(phone.commands().send("desk", "agent.prompt", null, null))
        .status());
    // A marker command behind it: once it ran, the duplicate before it was seen and skipped.
    assertEquals("succeeded", end(phone.commands().send("desk", "agent.prompt", null, null))
        .status());
    assertEquals(2, runs.get());
  }

  @Test
  void handlerCutOffByARestart_isReportedInterrupted_andNeverRunAgain() throws Exception {
    Tandem desk = live("desk");
    Tandem phone = live("phone");
    CountDownLatch started = new CountDownLatch(1);
    desk.commands().onCommand("agent.prompt", (cmd, report) -> {
      started.countDown();
      new CountDownLatch(1).await(); // until close() interrupts it
    });
    awaitLive(desk, phone);
    var sent = phone.commands().send("desk", "agent.prompt", null, null);
    assertTrue(started.await(PATIENCE.toSeconds(), TimeUnit.SECONDS));
    desk.close();
    AtomicInteger again = new AtomicInteger();
    Tandem desk2 = cluster.device("desk", b -> b.autoSync(true));
    desk2.commands().onCommand("agent.prompt", (cmd, report) -> again.incrementAndGet());
    CommandUpdate end = end(sent);
    assertEquals("failed", end.status());
    assertTrue(end.output().contains("interrupted"), end.output());
    assertEquals(0, again.get());
  }

  @Test
  void commandSentWhileTheServerIsDown_isSentAfterTheSendersRestart() throws Exception {
    cluster.server().createToken(Cluster.TEAM, "desk");
    Tandem phone = cluster.device("phone", b -> b.autoSync(true));
    awaitLive(phone);
    int port = cluster.uri().getPort();
    cluster.stopServer();
    var sent = phone.commands().send("desk", "agent.prompt", "{\"n\":1}",
        CommandOptions.defaults().commandId("cmd-offline"));
    phone.close();
    assertTrue(sent.isCancelled() || sent.isDone());
    cluster.startServer(port);
    Tandem phone2 = cluster.device("phone", b -> b.autoSync(true));
    Tandem desk = live("desk");
    desk.commands().onCommand("agent.prompt", (cmd, report) -> report.succeed(cmd.payload()));
    CommandUpdate end = end(phone2.commands().watch("cmd-offline", null));
    assertEquals("succeeded", end.status());
    assertEquals("{\"n\":1}", end.output());
  }

  @Test
  void devices_listTheTeam_andPresenceReachesListeners() throws Exception {
    Tandem phone = live("phone");
    List<String> heard = new CopyOnWriteArrayList<>();
    phone.devices().addPresenceListener((id, online, at) -> heard.add(id + "=" + online));
    awaitLive(phone);
    Device self = phone.devices().setSelf("Phone", "android", "1.2");
    assertEquals("Phone", self.name());
    Tandem desk = live("desk");
    awaitLive(desk);
    await().atMost(PATIENCE).until(() -> heard.contains("desk=true"));
    List<Device> all = phone.devices().list();
    assertEquals(List.of("desk", "phone"),
        all.stream().map(Device::deviceId).collect(Collectors.toList()));
    assertTrue(all.get(0).online());
    assertEquals("android", all.get(1).platform());
    desk.close();
    await().atMost(PATIENCE).until(() -> heard.contains("desk=false"));
  }

  /** Hands every live frame to the engine twice, as a redelivery or a second socket would. */
  static final class TwiceTransport implements Transport {
    final Transport real;

    TwiceTransport(Transport real) {
      this.real = real;
    }

    @Override
    public PushResponse push(PushRequest request) {
      return real.push(request);
    }

    @Override
    public PullResponse pull(String cursor, int limit) {
      return real.pull(cursor, limit);
    }

    @Override
    public void health() {
      real.health();
    }

    @Override
    public byte[] call(String method, String path, byte[] body) {
      return real.call(method, path, body);
    }

    @Override
    public LiveConnection openLive(String cursor, LiveListener listener) {
      return real.openLive(cursor, new LiveListener() {
        @Override
        public void onChanges(String c) {
          listener.onChanges(c);
        }

        @Override
        public void onOpen() {
          listener.onOpen();
        }

        @Override
        public void onFrame(String type, String json) {
          listener.onFrame(type, json);
          listener.onFrame(type, json);
        }

        @Override
        public void onClosed(Throwable cause) {
          listener.onClosed(cause);
        }
      });
    }

    @Override
    public void close() {
      real.close();
    }
  }
}
