package dev.tandem.sync.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.sync.SyncStatus;
import dev.tandem.sync.Tandem;
import dev.tandem.sync.cli.CliRun.Result;
import dev.tandem.sync.server.TandemServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tandem devices}, {@code tandem send} and {@code tandem commands} against a real server. */
class RemoteCommandsCliTest {
  private static final String TEAM = "team-1";

  @TempDir Path tmp;
  private TandemServer server;
  private Tandem desk;
  private final Map<String, String> env = new HashMap<>();

  @BeforeEach
  void start() {
    server = TandemServer.builder().port(0).dataDir(tmp.resolve("server")).build().start();
    desk = Tandem.builder().database(tmp.resolve("desk.db")).deviceId("desk")
        .server(server.uri(), server.createToken(TEAM, "desk"), TEAM).build();
    desk.commands().onCommand("agent.prompt", (cmd, report) -> {
      report.progress("{\"step\":1}");
      report.progress("{\"step\":2}");
      report.succeed("{\"got\":" + cmd.payload() + "}");
    });
    desk.commands().onCommand("agent.fail", (cmd, report) -> {
      throw new IllegalStateException("cannot do that");
    });
    Result r = as("phone", "init", "--server", server.uri().toString(), "--team", TEAM,
        "--device", "phone", "--token=" + server.createToken(TEAM, "phone"));
    assertEquals(0, r.code(), r.err());
    until(() -> desk.status().mode() == SyncStatus.Mode.LIVE);
  }

  @AfterEach
  void stop() {
    desk.close();
    server.close();
  }

  /** Polls {@code condition} every 50 ms for up to 60 s (this module has no Awaitility). */
  private static void until(java.util.function.BooleanSupplier condition) {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within 60 s");
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

  private JsonNode showJson(String id) {
    try {
      return as("phone", "commands", "show", id, "--json").json();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private Result as(String dev, String... args) {
    List<String> all = new ArrayList<>(List.of("--db", tmp.resolve(dev + ".db").toString(),
        "--config", tmp.resolve(dev + "-config.json").toString()));
    all.addAll(List.of(args));
    return CliRun.execute(new TandemCli().withEnvironment(env, tmp.resolve("home"), "Linux"),
        all.toArray(String[]::new));
  }

  @Test
  void sendWait_printsProgressAndResult_andExits0() {
    Result r = as("phone", "send", "--to", "desk", "agent.prompt", "{\"prompt\":\"hi\"}",
        "--wait", "--max-wait-millis", "60000");
    assertEquals(0, r.code(), r.err());
    String out = r.out();
    assertTrue(out.contains("running {\"step\":1}\n"), out);
    assertTrue(out.contains("running {\"step\":2}\n"), out);
    assertTrue(out.trim().endsWith("succeeded {\"got\":{\"prompt\":\"hi\"}}"), out);
  }

  @Test
  void sendWait_ofAFailingCommand_exits1_withTheError() throws Exception {
    Result r = as("phone", "send", "--to", "desk", "agent.fail", "--wait", "--json",
        "--max-wait-millis", "60000");
    assertEquals(1, r.code(), r.err());
    String[] lines = r.out().trim().split("\n");
    JsonNode last = dev.tandem.sync.internal.Json.parse(lines[lines.length - 1]);
    assertEquals("failed", last.path("status").asText());
    assertEquals("cannot do that", last.path("output").path("error").asText());
  }

  @Test
  void send_withoutWait_returnsOnceQueued_andCommandsListAndShowIt() throws Exception {
    Result sent = as("phone", "send", "--to", "desk", "agent.prompt", "{}", "--priority", "7",
        "--ttl", "10m", "--key", "k1", "--json");
    assertEquals(0, sent.code(), sent.err());
    String id = sent.json().path("commandId").asText();
    until(() -> "succeeded".equals(showJson(id).path("status").asText()));
    JsonNode shown = as("phone", "commands", "show", id, "--json").json();
    assertEquals(7, shown.path("priority").asInt());
    assertEquals("queued", shown.path("history").get(0).path("status").asText());
    JsonNode list = as("phone", "commands", "--status", "succeeded", "--json").json();
    assertEquals(id, list.path("commands").get(0).path("commandId").asText());
    Result text = as("phone", "commands", "show", id);
    assertTrue(text.out().contains("succeeded"), text.out());
  }

  @Test
  void send_toAnUnknownDevice_exits1_andBadUsageExits2() {
    Result r = as("phone", "send", "--to", "nobody", "agent.prompt");
    assertEquals(1, r.code(), r.out());
    assertTrue(r.err().contains("unknown_device") || r.err().contains("nobody"), r.err());
    assertEquals(2, as("phone", "send", "--to", "desk", "agent.prompt", "[1]").code());
    assertEquals(2, as("phone", "send", "--to", "desk", "agent.prompt", "--priority", "12")
        .code());
    assertEquals(2, as("phone", "send", "agent.prompt").code());
  }

  @Test
  void devices_listsTheTeam_withPresence() throws Exception {
    desk.devices().setSelf("Desk", "linux", "0.1");
    JsonNode j = as("phone", "devices", "--json").json();
    JsonNode devices = j.path("devices");
    assertEquals(2, devices.size());
    assertEquals("desk", devices.get(0).path("deviceId").asText());
    assertTrue(devices.get(0).path("online").asBoolean());
    assertEquals("linux", devices.get(0).path("platform").asText());
    assertTrue(devices.get(1).path("self").asBoolean());
    Result text = as("phone", "devices");
    assertTrue(text.out().contains("desk") && text.out().contains("online"), text.out());
  }
}
