package dev.tandem.sync.server.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.sync.internal.Json;
import dev.tandem.sync.server.TandemServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/** Tandem's SLF4J backend: one line per event, as text or as one JSON object. */
class LogsTest {
  private final ByteArrayOutputStream captured = new ByteArrayOutputStream();
  private PrintStream realErr;
  private Logs.State before;

  @BeforeEach
  void capture() {
    before = Logs.state();
    realErr = System.err;
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
  }

  @AfterEach
  void release() {
    System.setErr(realErr);
    Logs.restore(before);
    System.clearProperty(Logs.LEVEL_PREFIX + "dev.tandem.test.quiet");
  }

  private List<String> lines() {
    return captured.toString(StandardCharsets.UTF_8).lines().toList();
  }

  private static JsonNode parse(String line) {
    try {
      return Json.MAPPER.readTree(line);
    } catch (IOException e) {
      throw new AssertionError("not one JSON object: " + line, e);
    }
  }

  @Test
  void slf4j_logsThroughThisBackend_andNoOther() {
    assertTrue(Logs.active(), () -> "SLF4J uses " + LoggerFactory.getILoggerFactory());
  }

  @Test
  void json_isOneObjectPerLine_withMessageArgumentsKeyValuesAndTheStackTrace() {
    assertTrue(Logs.configure(Logs.Format.JSON, Level.INFO));
    Logger log = LoggerFactory.getLogger("dev.tandem.test.Json");
    log.info("stored {} of {}", 3, 4);
    log.atInfo().addKeyValue("method", "GET").addKeyValue("status", 200)
        .addKeyValue("ok", true).log("request");
    log.warn("line one\nline \"two\"\t\u0001", new IllegalStateException("broken\nstate"));
    log.debug("below the level");

    List<String> lines = lines();
    assertEquals(3, lines.size(), () -> String.join("\n", lines));
    JsonNode first = parse(lines.get(0));
    assertEquals("INFO", first.path("level").asText());
    assertEquals("dev.tandem.test.Json", first.path("logger").asText());
    assertEquals("stored 3 of 4", first.path("msg").asText());
    assertEquals(Thread.currentThread().getName(), first.path("thread").asText());
    Instant.parse(first.path("ts").asText());

    JsonNode second = parse(lines.get(1));
    assertEquals("request", second.path("msg").asText());
    assertEquals("GET", second.path("method").asText());
    assertTrue(second.path("status").isInt(), "numbers stay numbers");
    assertEquals(200, second.path("status").asInt());
    assertTrue(second.path("ok").isBoolean());

    JsonNode third = parse(lines.get(2));
    assertEquals("WARN", third.path("level").asText());
    assertEquals("line one\nline \"two\"\t\u0001", third.path("msg").asText());
    assertEquals("java.lang.IllegalStateException: broken\nstate", third.path("error").asText());
    assertTrue(third.path("stack").asText().contains("at dev.tandem.sync.server.logging"
        + ".LogsTest.json_isOneObjectPerLine"), third.path("stack").asText());
  }

  @Test
  void text_isSlf4jSimplesLayout_withKeyValuesAfterTheMessage_andTheStackTraceBelow() {
    assertTrue(Logs.configure(Logs.Format.TEXT, Level.INFO));
    Logger log = LoggerFactory.getLogger("dev.tandem.test.Text");
    log.atInfo().addKeyValue("method", "POST").addKeyValue("ms", 12).log("request");
    log.error("failed {}", "x", new IllegalArgumentException("bad"));
    List<String> lines = lines();
    String thread = Thread.currentThread().getName();
    assertTrue(lines.get(0).endsWith("[" + thread + "] INFO dev.tandem.test.Text - request"
        + " method=POST ms=12"), lines.get(0));
    assertTrue(lines.get(1).endsWith("[" + thread + "] ERROR dev.tandem.test.Text - failed x"),
        lines.get(1));
    assertEquals("java.lang.IllegalArgumentException: bad", lines.get(2));
    assertTrue(lines.get(3).trim().startsWith("at "), lines.get(3));
  }

  @Test
  void levels_comeFromConfigure_exceptForLoggersWithALevelOfTheirOwn() {
    System.setProperty(Logs.LEVEL_PREFIX + "dev.tandem.test.quiet", "error");
    assertTrue(Logs.configure(Logs.Format.TEXT, Level.DEBUG));
    Logger loud = LoggerFactory.getLogger("dev.tandem.test.Loud");
    Logger quiet = LoggerFactory.getLogger("dev.tandem.test.quiet.Below");
    assertTrue(loud.isDebugEnabled());
    assertFalse(loud.isTraceEnabled());
    assertFalse(quiet.isWarnEnabled(), "a package's own level covers the loggers below it");
    assertTrue(quiet.isErrorEnabled());
    assertTrue(Logs.configure(Logs.Format.TEXT, Level.WARN));
    assertFalse(loud.isInfoEnabled(), "a change reaches loggers made before it");
    Logs.configureOff();
    loud.error("not written");
    assertTrue(lines().isEmpty(), () -> String.join("\n", lines()));
  }

  @Test
  void formatsAndLevels_parse_andBadOnesNameTheOption() {
    assertEquals(Logs.Format.JSON, Logs.Format.parse(" JSON ", "--log-format"));
    assertEquals(Logs.Format.TEXT, Logs.Format.parse("text", "--log-format"));
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> Logs.Format.parse("xml", "--log-format")).getMessage().contains("--log-format"));
    assertEquals(Level.WARN, Logs.parseLevel("warn", "--log-level"));
    assertNull(Logs.parseLevel("off", "--log-level"));
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> Logs.parseLevel("loud", "--log-level")).getMessage().contains("--log-level"));
  }

  @Test
  void server_writesOneJsonLinePerRequest_withMethodPathStatusAndMillis(@TempDir Path dir)
      throws Exception {
    assertTrue(Logs.configure(Logs.Format.JSON, Level.INFO));
    try (TandemServer server = TandemServer.builder().port(0).dataDir(dir).build().start()) {
      HttpResponse<String> r = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(server.uri().resolve("/health/live")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(200, r.statusCode());
      // The request line is written once the response is out, on Jetty's thread.
      await().atMost(Duration.ofSeconds(30)).until(() -> lines().stream()
          .anyMatch(l -> l.contains("\"path\":\"/health/live\"")));
    }
    for (String line : lines()) {
      parse(line);
    }
    JsonNode request = lines().stream().filter(l -> l.contains("\"path\":\"/health/live\""))
        .map(LogsTest::parse).findFirst().orElseThrow();
    assertEquals("request", request.path("msg").asText());
    assertEquals("GET", request.path("method").asText());
    assertEquals(200, request.path("status").asInt());
    assertTrue(request.path("ms").isIntegralNumber(), request.toString());
    assertEquals(TandemServer.class.getName(), request.path("logger").asText());
  }
}
