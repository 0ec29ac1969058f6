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
  void parse_badArguments_failWithAClearMessage() {
    assertTrue(assertThrows(IllegalArgumentException.class, () -> Main.parse("--port", "x"))
        .getMessage().contains("--port must be a number"));
    assertThrows(IllegalArgumentException.class, () -> Main.parse("--port", "70000"));
    assertThrows(IllegalArgumentException.class, () -> Main.parse("--data"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> Main.parse("--frobnicate", "1"))
        .getMessage().contains("unknown option --frobnicate"));
    assertThrows(IllegalArgumentException.class, () -> Main.parse("--postgres", "jdbc:x"));
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
}
