package dev.tandem.sync.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.sync.cli.CliRun.Result;
import dev.tandem.sync.protocol.Change;
import dev.tandem.sync.server.SqliteServerStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tandem server backup}: the copy, where it reads from, and what it refuses. */
class ServerBackupCommandTest {
  @TempDir Path tmp;
  private final Map<String, String> env = new HashMap<>();
  private Path data;

  @BeforeEach
  void serverWithThreeRecords() {
    data = tmp.resolve("srv");
    try (SqliteServerStore store = SqliteServerStore.open(data)) {
      store.inTeamTransaction("team-1", tx -> {
        for (int i = 0; i < 3; i++) {
          tx.put(new Change("note", "n-" + i, Change.UPSERT, "00000000000" + i + "-0000-d", null,
              "{}", 0, null), "d");
        }
        return null;
      });
    }
  }

  private Result run(String... args) {
    return CliRun.execute(new TandemCli().withEnvironment(env, tmp.resolve("home"), "Linux"),
        args);
  }

  private static long records(Path backup) {
    try (SqliteServerStore store = SqliteServerStore.open(backup.getParent())) {
      return store.changesSince("team-1", 0, 100).size();
    }
  }

  @Test
  void backup_ofADataDirectory_writesACopyThatOpensAsAServerStore() throws Exception {
    Path out = tmp.resolve("b1").resolve(SqliteServerStore.FILE_NAME);
    Files.createDirectories(out.getParent());
    Result r = run("server", "backup", "--data", data.toString(), out.toString());
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("3 records of 1 teams"), r.out());
    assertEquals(3, records(out));

    Result again = run("server", "backup", "--data", data.toString(), out.toString());
    assertEquals(1, again.code());
    assertTrue(again.err().contains("already exists"), again.err());
  }

  @Test
  void backup_readsTheDatabaseFromDbOrTandemData_andWritesToOut() throws Exception {
    Path db = data.resolve(SqliteServerStore.FILE_NAME);
    for (String name : new String[] {"b2", "b3", "b4"}) {
      Files.createDirectories(tmp.resolve(name));
    }
    Path b2 = tmp.resolve("b2").resolve(SqliteServerStore.FILE_NAME);
    assertEquals(0, run("server", "backup", "--db", db.toString(), "--out", b2.toString()).code());
    Path b3 = tmp.resolve("b3").resolve(SqliteServerStore.FILE_NAME);
    assertEquals(0, run("--db", db.toString(), "server", "backup", "--out", b3.toString())
        .code());
    env.put("TANDEM_DATA", data.toString());
    Path b4 = tmp.resolve("b4").resolve(SqliteServerStore.FILE_NAME);
    Result r = run("server", "backup", b4.toString());
    assertEquals(0, r.code(), r.err());
    for (Path b : new Path[] {b2, b3, b4}) {
      assertEquals(3, records(b), b.toString());
    }
  }

  @Test
  void backup_withoutAFile_orOfNoDatabase_failsClearly() {
    Result none = run("server", "backup", "--data", data.toString());
    assertEquals(2, none.code());
    assertTrue(none.err().contains("FILE or --out FILE"), none.err());
    Result missing = run("server", "backup", "--data", tmp.resolve("nothing").toString(),
        tmp.resolve("x.db").toString());
    assertEquals(1, missing.code());
    assertTrue(missing.err().contains("no server database"), missing.err());
  }
}
