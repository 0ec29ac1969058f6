package dev.tandem.sync.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --database-url}, {@code TANDEM_DATABASE_URL} and where the password may come from. */
class MainPostgresTest {
  @TempDir Path dir;

  @Test
  void parse_databaseUrl_andPasswordFile() {
    Main.Options o = Main.parse("--database-url", "jdbc:postgresql://db:5432/tandem?user=t",
        "--database-password-file", "/run/secrets/db");
    assertEquals("jdbc:postgresql://db:5432/tandem?user=t", o.databaseUrl());
    assertEquals(Path.of("/run/secrets/db"), o.databasePasswordFile());
    assertNull(Main.parse().databaseUrl());
  }

  @Test
  void parse_refusesAPasswordOnTheCommandLine_andUrlsThatAreNotPostgres() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Main.parse(
        "--database-url", "jdbc:postgresql://db/tandem?user=t&password=secret"));
    assertTrue(e.getMessage().contains("must not hold the password"), e.getMessage());
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> Main.parse("--database-url", "jdbc:mysql://db/x")).getMessage()
        .contains("PostgreSQL JDBC URL"));
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> Main.parse("--data", "/tmp/x", "--database-url", "jdbc:postgresql://db/x"))
        .getMessage().contains("exclude each other"));
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> Main.parse("--postgres", "jdbc:postgresql://db/x")).getMessage()
        .contains("--database-url"));
  }

  @Test
  void databaseUrl_andPassword_fromTheEnvironment_flagsWin() throws Exception {
    Main.Options none = Main.parse();
    Map<String, String> env = Map.of(Main.DATABASE_URL_ENV, "jdbc:postgresql://env/db",
        Main.DATABASE_PASSWORD_ENV, "from-env");
    assertEquals("jdbc:postgresql://env/db", Main.databaseUrl(none, env));
    assertEquals("from-env", Main.databasePassword(none, env));
    Path file = dir.resolve("pw");
    Files.writeString(file, "from-file\n");
    Main.Options flags = Main.parse("--database-url", "jdbc:postgresql://flag/db",
        "--database-password-file", file.toString());
    assertEquals("jdbc:postgresql://flag/db", Main.databaseUrl(flags, env));
    assertEquals("from-file", Main.databasePassword(flags, env));
    assertNull(Main.databaseUrl(none, Map.of()));
    assertThrows(IllegalArgumentException.class,
        () -> Main.databaseUrl(none, Map.of(Main.DATABASE_URL_ENV, "postgres://x")));
    Files.writeString(file, "");
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> Main.databasePassword(flags, Map.of())).getMessage()
        .contains("database password file"));
  }

  @Test
  void start_withTheUrlInTheEnvironment_servesFromPostgres() {
    String url = EmbeddedPostgresHolder.newDatabase("main_env");
    Main.Options o = Main.parse("--port", "0");
    try (TandemServer server = Main.start(o, Map.of(Main.DATABASE_URL_ENV, url))) {
      assertTrue(server.store() instanceof PostgresServerStore);
      ServerTestSupport.Device d = ServerTestSupport.Device.create(server, "t", "d");
      assertEquals(200, d.push(ServerTestSupport.batch("b-1", "d", ServerTestSupport.upsert(
          "note", "n-1", ServerTestSupport.hlc(1, 0, "d"), null, "{}"))).statusCode());
      assertEquals(1, server.store().currentSeq("t"));
      String where = Main.describeStore(o, Map.of(Main.DATABASE_URL_ENV, url));
      assertTrue(where.startsWith("PostgreSQL at jdbc:postgresql://127.0.0.1:"), where);
      assertTrue(!where.contains("user="), where);
    }
  }

  @Test
  void run_withAnUnreachableDatabase_isExit1_withTheReason() {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = Main.run(new String[] {"--port", "0", "--database-url",
        "jdbc:postgresql://127.0.0.1:1/none?connectTimeout=2"}, Map.of(),
        new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true));
    assertEquals(1, code);
    String text = err.toString(StandardCharsets.UTF_8);
    assertTrue(text.contains("cannot open the PostgreSQL store"), text);
  }

  @Test
  void start_withoutFlags_staysOnSqlite() {
    Main.Options o = Main.parse("--port", "0", "--data", dir.toString());
    try (TandemServer server = Main.start(o, Map.of())) {
      assertTrue(server.store() instanceof SqliteServerStore);
    }
  }
}
