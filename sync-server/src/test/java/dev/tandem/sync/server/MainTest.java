package dev.tandem.sync.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MainTest {
  @TempDir Path dir;

  @Test
  void parse_defaults() {
    Main.Options o = Main.parse();
    assertEquals(8080, o.port());
    assertEquals("127.0.0.1", o.host());
    assertEquals(Paths.get("tandem-server-data"), o.dataDir());
    assertEquals("TANDEM_ADMIN_TOKEN", o.adminTokenEnv());
  }

  @Test
  void parse_readsEveryFlagInBothForms() {
    Main.Options o = Main.parse("--port", "0", "--host=0.0.0.0", "--data", "/tmp/x",
        "--admin-token-env=MY_TOKEN");
    assertEquals(new Main.Options(0, "0.0.0.0", Paths.get("/tmp/x"), "MY_TOKEN"), o);
  }

  @Test
  void parse_compression_defaultsToAuto_andRefusesUnknownModes() {
    assertEquals(ResponseCompression.AUTO, Main.parse().compression());
    assertEquals(ResponseCompression.GZIP, Main.parse("--compression", "gzip").compression());
    assertEquals(ResponseCompression.NONE, Main.parse("--compression=NONE").compression());
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> Main.parse("--compression", "brotli")).getMessage()
        .contains("--compression must be auto, gzip or none"));
  }

  @Test
  void parse_badArguments_failWithAClearMessage() {
    assertTrue(assertThrows(IllegalArgumentException.class, () -> Main.parse("--port", "x"))
        .getMessage().contains("--port must be a number"));
    assertThrows(IllegalArgumentException.class, () -> Main.parse("--port", "70000"));
    assertThrows(IllegalArgumentException.class, () -> Main.parse("--data"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> Main.parse("--frobnicate", "1"))
        .getMessage().contains("unknown option --frobnicate"));
    assertThrows(IllegalArgumentException.class, () -> Main.parse("--postgres", "jdbc:x"));
    assertThrows(IllegalArgumentException.class, () -> Main.parse("--database-url", "x"));
  }

  @Test
  void start_usesTheAdminTokenFromTheNamedVariable() {
    Main.Options o = Main.parse("--port", "0", "--data", dir.toString(), "--admin-token-env", "T");
    try (TandemServer server = Main.start(o, Map.of("T", "s3cret"))) {
      HttpResponse<byte[]> r = ServerTestSupport.send(server, "POST", "/admin/tokens",
          "{\"teamId\":\"t\",\"deviceId\":\"d\"}".getBytes(StandardCharsets.UTF_8),
          "Authorization", "Bearer s3cret");
      assertEquals(201, r.statusCode());
    }
  }

  @Test
  void parse_readsTheAdminTokenFileFlag() {
    Main.Options o = Main.parse("--admin-token-file", "/run/secrets/admin");
    assertEquals(Paths.get("/run/secrets/admin"), o.adminTokenFile());
    assertEquals(null, Main.parse().adminTokenFile());
  }

  @Test
  void adminToken_comesFromTheFile_withoutItsLineBreak_beforeTheVariable() throws Exception {
    Path file = dir.resolve("admin-token");
    java.nio.file.Files.writeString(file, "from-file\n");
    Main.Options o = Main.parse("--admin-token-file", file.toString());
    assertEquals("from-file", Main.adminToken(o, Map.of("TANDEM_ADMIN_TOKEN", "from-env")));
    assertEquals("from-env", Main.adminToken(Main.parse(), Map.of("TANDEM_ADMIN_TOKEN",
        "from-env")));
    assertEquals("from-file", Main.adminToken(Main.parse(),
        Map.of(Main.ADMIN_TOKEN_FILE_ENV, file.toString())));
    assertEquals(null, Main.adminToken(Main.parse(), Map.of()));
  }

  @Test
  void adminTokenFile_thatIsMissingEmptyOrSeveralLines_stopsTheServerWithExit1() throws Exception {
    Path empty = dir.resolve("empty");
    java.nio.file.Files.writeString(empty, "\n");
    Path twoLines = dir.resolve("two");
    java.nio.file.Files.writeString(twoLines, "a\nb\n");
    for (Path bad : new Path[] {dir.resolve("missing"), empty, twoLines}) {
      java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
      int code = Main.run(new String[] {"--port", "0", "--data", dir.resolve("d").toString(),
          "--admin-token-file", bad.toString()}, Map.of(),
          new java.io.PrintStream(new java.io.ByteArrayOutputStream()),
          new java.io.PrintStream(err, true));
      assertEquals(1, code, bad.toString());
      assertTrue(err.toString().contains("admin token file " + bad), err.toString());
    }
  }

  @Test
  void start_usesTheAdminTokenFromTheFile() throws Exception {
    Path file = dir.resolve("admin-token");
    java.nio.file.Files.writeString(file, "s3cret\n");
    Main.Options o = Main.parse("--port", "0", "--data", dir.resolve("d").toString(),
        "--admin-token-file", file.toString());
    try (TandemServer server = Main.start(o, Map.of())) {
      HttpResponse<byte[]> r = ServerTestSupport.send(server, "POST", "/admin/tokens",
          "{\"teamId\":\"t\",\"deviceId\":\"d\"}".getBytes(StandardCharsets.UTF_8),
          "Authorization", "Bearer s3cret");
      assertEquals(201, r.statusCode());
    }
  }

  @Test
  void maxClockSkew_fromTheFlag_orTheEnvironment_andBadValuesAreRefused() {
    assertEquals(java.time.Duration.ofMinutes(2), Main.parse("--max-clock-skew", "2m")
        .maxClockSkew());
    assertEquals(java.time.Duration.ofSeconds(90), Main.parse("--max-clock-skew=90")
        .maxClockSkew());
    assertEquals(null, Main.parse().maxClockSkew());
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> Main.parse("--max-clock-skew", "-5m")).getMessage().contains("--max-clock-skew"));
    assertThrows(IllegalArgumentException.class, () -> Main.parse("--max-clock-skew", "soon"));
    // 1 s from the environment: a change 30 s ahead is refused, one 0.5 s ahead is not.
    Main.Options o = Main.parse("--port", "0", "--data", dir.toString());
    try (TandemServer server = Main.start(o, Map.of(Main.SKEW_ENV, "1s"))) {
      ServerTestSupport.Device d = ServerTestSupport.Device.create(server, "t", "d");
      long now = System.currentTimeMillis();
      HttpResponse<byte[]> r = d.push(ServerTestSupport.batch("b1", "d",
          ServerTestSupport.upsert("note", "far", ServerTestSupport.hlc(now + 30_000, 0, "d"),
              null, "{}"),
          ServerTestSupport.upsert("note", "near", ServerTestSupport.hlc(now - 500, 0, "d"),
              null, "{}")));
      assertEquals(200, r.statusCode());
      String body = ServerTestSupport.text(r);
      assertTrue(body.contains("\"far\"") && body.contains("clock_skew"), body);
      assertEquals(1, server.store().currentSeq("t"));
    }
  }

  @Test
  void everyFlag_isReadFromItsVariable_whenNotGiven() {
    Map<String, String> env = new java.util.HashMap<>();
    env.put("TANDEM_PORT", "0");
    env.put("TANDEM_HOST", "0.0.0.0");
    env.put("TANDEM_DATA", "/srv/tandem");
    env.put("TANDEM_ADMIN_TOKEN_ENV", "MY_ADMIN");
    env.put("TANDEM_ADMIN_TOKEN_FILE", "/run/secrets/admin");
    env.put("TANDEM_MAX_CLOCK_SKEW", "2m");
    env.put("TANDEM_LOG_FORMAT", "json");
    env.put("TANDEM_LOG_LEVEL", "WARN");
    env.put("TANDEM_METRICS_PUBLIC", "true");
    env.put("TANDEM_TOMBSTONE_RETENTION", "30d");
    env.put("TANDEM_RETENTION_INTERVAL", "10m");
    env.put("TANDEM_DATABASE_URL", "jdbc:postgresql://db:5432/tandem");
    env.put("TANDEM_DATABASE_PASSWORD_FILE", "/run/secrets/db");
    env.put("TANDEM_COMPRESSION", "gzip");
    assertEquals(env.keySet(), new java.util.HashSet<>(Main.ENV.values()),
        "a variable for every flag, and this test names them all");
    Main.Options o = Main.parse(env);
    assertEquals(new Main.Options(0, "0.0.0.0", Paths.get("/srv/tandem"), "MY_ADMIN",
        Paths.get("/run/secrets/admin"), java.time.Duration.ofMinutes(2),
        dev.tandem.sync.server.logging.Logs.Format.JSON, "warn", true,
        java.time.Duration.ofDays(30), java.time.Duration.ofMinutes(10),
        "jdbc:postgresql://db:5432/tandem", Paths.get("/run/secrets/db"),
        ResponseCompression.GZIP), o);
  }

  @Test
  void aFlag_winsOverItsVariable() {
    Map<String, String> env = Map.of("TANDEM_PORT", "9999", "TANDEM_LOG_FORMAT", "json",
        "TANDEM_METRICS_PUBLIC", "true", "TANDEM_TOMBSTONE_RETENTION", "30d");
    Main.Options o = Main.parse(env, "--port=0", "--log-format", "text",
        "--metrics-public=false", "--tombstone-retention", "off");
    assertEquals(0, o.port());
    assertEquals(dev.tandem.sync.server.logging.Logs.Format.TEXT, o.logFormat());
    assertEquals(false, o.metricsPublic());
    assertEquals(null, o.tombstoneRetention(), "off keeps deletes forever");
    assertEquals(true, Main.parse(Map.of(), "--metrics-public").metricsPublic());
  }

  @Test
  void aBadValueFromAVariable_namesTheVariable() {
    String m = assertThrows(IllegalArgumentException.class,
        () -> Main.parse(Map.of("TANDEM_PORT", "eighty"))).getMessage();
    assertTrue(m.contains("$TANDEM_PORT") && m.contains("--port"), m);
    m = assertThrows(IllegalArgumentException.class,
        () -> Main.parse(Map.of("TANDEM_LOG_FORMAT", "xml"))).getMessage();
    assertTrue(m.contains("$TANDEM_LOG_FORMAT"), m);
    m = assertThrows(IllegalArgumentException.class,
        () -> Main.parse(Map.of("TANDEM_METRICS_PUBLIC", "maybe"))).getMessage();
    assertTrue(m.contains("$TANDEM_METRICS_PUBLIC"), m);
    m = assertThrows(IllegalArgumentException.class,
        () -> Main.parse(Map.of(), "--tombstone-retention", "forever")).getMessage();
    assertTrue(m.contains("--tombstone-retention") && !m.contains("$"), m);
    // An empty variable is as good as an unset one.
    assertEquals(8080, Main.parse(Map.of("TANDEM_PORT", "")).port());
  }
}
