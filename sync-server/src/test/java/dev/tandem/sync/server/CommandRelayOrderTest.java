package dev.tandem.sync.server;

import static dev.tandem.sync.server.CommandRelayTest.call;
import static dev.tandem.sync.server.CommandRelayTest.command;
import static dev.tandem.sync.server.CommandRelayTest.connect;
import static dev.tandem.sync.server.CommandRelayTest.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.sync.server.CommandRelayTest.Live;
import dev.tandem.sync.server.ServerTestSupport.Device;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The relay's thread runs behind the live connections: a device can be connected before the
 * relay has handled its coming online. A command queued in that gap went out twice, once to the
 * new connection and once more in the resend of everything delivered that coming online does.
 */
class CommandRelayOrderTest {
  @TempDir Path dir;
  final List<Live> open = new ArrayList<>();
  final AtomicBoolean holdNextTouch = new AtomicBoolean();
  final CountDownLatch held = new CountDownLatch(1);
  final CountDownLatch release = new CountDownLatch(1);
  TandemServer server;

  @AfterEach
  void stop() {
    release.countDown();
    for (Live l : open) {
      l.ws.abort();
    }
    if (server != null) {
      server.close();
    }
  }

  @Test
  void commandQueuedWhileTheRelayLagsBehindAConnection_isDeliveredOnce() throws Exception {
    ServerStore sqlite = SqliteServerStore.open(dir);
    CommandStore holding = holdingTouches(sqlite.commands());
    server = TandemServer.builder().port(0).store(new ForwardingStore(sqlite) {
      @Override
      public CommandStore commands() {
        return holding;
      }
    }).commandSweepInterval(Duration.ofHours(1)).build().start();
    Device phone = Device.create(server, "team-1", "phone");
    Device desk = Device.create(server, "team-1", "desk");

    holdNextTouch.set(true);
    Live phoneLive = connect(phone, open);
    // The relay's thread is now stuck in the phone's coming online; what follows queues behind.
    assertTrue(held.await(20, TimeUnit.SECONDS), "the relay never touched the phone");
    ok(call(phone, "POST", "/commands", command("second", "desk", null)), 202);
    Live deskLive = connect(desk, open);
    // The phone hears the desk come online when its connection is registered as live.
    JsonNode presence = phoneLive.next("presence");
    assertEquals("desk", presence.path("deviceId").asText());
    release.countDown();

    assertEquals("second", deskLive.next("command").path("command").path("commandId").asText());
    server.drainCommands();
    ok(call(phone, "POST", "/commands", command("marker", "desk", null)), 202);
    JsonNode next = deskLive.next("command").path("command");
    assertEquals("marker", next.path("commandId").asText(),
        "the desk got " + next.path("commandId").asText() + " (attempt "
            + next.path("attempt").asInt() + ") before the marker");
  }

  /** A command store whose next {@code touchDevice}, once armed, waits for {@link #release}. */
  private CommandStore holdingTouches(CommandStore inner) {
    return (CommandStore) Proxy.newProxyInstance(CommandStore.class.getClassLoader(),
        new Class<?>[] {CommandStore.class}, (proxy, method, args) -> {
          if (method.getName().equals("touchDevice") && holdNextTouch.compareAndSet(true, false)) {
            held.countDown();
            release.await(30, TimeUnit.SECONDS);
          }
          try {
            return method.invoke(inner, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
  }
}
