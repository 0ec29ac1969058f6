package dev.tandem.sync.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.sync.Conversation;
import dev.tandem.sync.Message;
import dev.tandem.sync.Tandem;
import dev.tandem.sync.cli.CliRun.Result;
import dev.tandem.sync.internal.Json;
import dev.tandem.sync.server.TandemServer;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The network commands against a real server on 127.0.0.1, in-process. */
class NetworkCommandsTest {
  private static final String ADMIN = "admin-secret-1";
  private static final String TEAM = "team-1";
  private static final String TASK = "wqying__agents__1751428457059";

  @TempDir Path tmp;
  private TandemServer server;
  private final List<TandemServer> extraServers = new ArrayList<>();
  private final Map<String, String> env = new HashMap<>();

  @BeforeEach
  void startServer() {
    server = TandemServer.builder().port(0).dataDir(tmp.resolve("server")).adminToken(ADMIN)
        .build().start();
  }

  @AfterEach
  void stopServers() {
    server.close();
    extraServers.forEach(TandemServer::close);
  }

  private Result run(String... args) {
    return run(new StringWriter(), args);
  }

  private Result run(StringWriter out, String... args) {
    return CliRun.execute(new TandemCli().withEnvironment(env, tmp.resolve("home"), "Linux"),
        out, args);
  }

  /** Runs a command as device {@code dev}: its own database and config. */
  private Result as(String dev, String... args) {
    List<String> all = new ArrayList<>(List.of("--db", db(dev).toString(), "--config",
        config(dev).toString()));
    all.addAll(List.of(args));
    return run(all.toArray(String[]::new));
  }

  private Path db(String dev) {
    return tmp.resolve(dev + ".db");
  }

  private Path config(String dev) {
    return tmp.resolve(dev + "-config.json");
  }

  /**
   * A token for {@code dev}. Callers pass it as {@code --token=<it>}: a token may start with
   * {@code -}, which as a separate argument would be read as an option.
   */
  private String token(String dev) {
    Result r = run("token", "create", "--server", server.uri().toString(), "--admin-token", ADMIN,
        "--team", TEAM, "--device", dev);
    assertEquals(0, r.code(), r.err());
    return r.out().strip();
  }

  private void init(String dev) {
    Result r = as(dev, "init", "--server", server.uri().toString(), "--team", TEAM, "--device",
        dev, "--token=" + token(dev));
    assertEquals(0, r.code(), r.err());
  }

  private static Path task() throws Exception {
    return Paths.get(NetworkCommandsTest.class.getResource("/corpus/tasks/" + TASK).toURI());
  }

  /** A port nothing listens on (bound then released). */
  private static int deadPort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @Test
  void tokenCreate_printsAToken_andJsonGivesTheServersAnswer() throws Exception {
    String token = token("laptop");
    assertTrue(token.length() >= 16 && !token.contains("\n"), token);

    Result json = run("token", "create", "--json", "--server", server.uri() + "/", "--admin-token",
        ADMIN, "--team", TEAM, "--device", "desk");
    assertEquals(0, json.code(), json.err());
    assertEquals("desk", json.json().get("deviceId").asText());
    assertEquals(TEAM, json.json().get("teamId").asText());
    assertTrue(json.json().get("token").asText().length() >= 16);
  }

  @Test
  void tokenCreate_withWrongAdminToken_orNoServer_exits1_withTheReason() throws Exception {
    Result wrong = run("token", "create", "--server", server.uri().toString(), "--admin-token",
        "nope", "--team", TEAM, "--device", "d1");
    assertEquals(1, wrong.code());
    assertTrue(wrong.err().contains("401") && wrong.err().contains("admin token"), wrong.err());
    assertEquals("", wrong.out());

    Result down = run("token", "create", "--server", "http://127.0.0.1:" + deadPort(),
        "--admin-token", ADMIN, "--team", TEAM, "--device", "d1");
    assertEquals(1, down.code());
    assertTrue(down.err().contains("cannot reach"), down.err());

    assertEquals(2, run("token", "create", "--server", "ftp://x", "--admin-token", ADMIN,
        "--team", TEAM, "--device", "d1").code());
    assertEquals(2, run("token", "create", "--server", server.uri().toString(), "--admin-token",
        ADMIN, "--team", TEAM, "--device", "bad device id!").code());
  }

  @Test
  void init_writesTheConfig_ownerOnly_andReportsTheServer() throws Exception {
    String token = token("laptop");
    Result r = as("laptop", "init", "--server", server.uri() + "/", "--team", TEAM, "--device",
        "laptop", "--token=" + token);
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("is up"), r.out());
    JsonNode c = Json.MAPPER.readTree(config("laptop").toFile());
    assertEquals(server.uri().toString(), c.get("server").asText(), "trailing slash dropped");
    assertEquals(TEAM, c.get("team").asText());
    assertEquals("laptop", c.get("device").asText());
    assertEquals(token, c.get("token").asText());
    if (config("laptop").getFileSystem().supportedFileAttributeViews().contains("posix")) {
      assertEquals(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE),
          Files.getPosixFilePermissions(config("laptop")));
    }

    // Default location: ~/.config/tandem/config.json (CLI.md).
    Result def = run("init", "--json", "--server", server.uri().toString(), "--team", TEAM,
        "--device", "laptop", "--token=" + token);
    assertEquals(0, def.code(), def.err());
    assertTrue(def.json().get("online").asBoolean());
    assertTrue(Files.exists(tmp.resolve("home/.config/tandem/config.json")));
  }

  @Test
  void init_withUnreachableServer_writesTheConfig_warns_andExits1() throws Exception {
    String url = "http://127.0.0.1:" + deadPort();
    Result r = as("laptop", "init", "--server", url, "--team", TEAM, "--device", "laptop",
        "--token", "t0k3n");
    assertEquals(1, r.code());
    assertTrue(r.err().contains("warning") && r.err().contains("cannot reach"), r.err());
    assertEquals(url, Json.MAPPER.readTree(config("laptop").toFile()).get("server").asText());

    assertEquals(2, as("laptop", "init", "--server", "not a url", "--team", TEAM, "--device",
        "laptop", "--token", "t").code());
    assertEquals(2, as("laptop", "init", "--server", url, "--team", TEAM).code(),
        "--device and --token are required");
  }

  @Test
  void syncCommands_withIncompleteOrBrokenConfig_exit1_namingTheFile() throws Exception {
    Files.writeString(config("laptop"), "{\"server\":\"http://127.0.0.1:1\",\"team\":\"t\"}");
    Result r = as("laptop", "sync", "now");
    assertEquals(1, r.code());
    assertTrue(r.err().contains(config("laptop").toString()), r.err());
    assertTrue(r.err().contains("missing device, token"), r.err());

    Files.writeString(config("laptop"), "not json");
    Result bad = as("laptop", "sync", "status");
    assertEquals(1, bad.code());
    assertTrue(bad.err().contains(config("laptop").toString()), bad.err());
    assertFalse(Files.exists(db("laptop")), "nothing opened without a config");
  }

  @Test
  void twoDevices_importOnOne_syncNowOnBoth_theOtherListsAndShowsIt() throws Exception {
    init("laptop");
    init("desk");
    Result imp = as("laptop", "import", task().toString());
    assertEquals(0, imp.code(), imp.err());

    Result push = as("laptop", "sync", "now", "--json");
    assertEquals(0, push.code(), push.err());
    assertTrue(push.json().get("ok").asBoolean());
    int pushed = push.json().get("pushed").asInt();
    assertTrue(pushed > 1, push.out());

    Result pull = as("desk", "sync", "now");
    assertEquals(0, pull.code(), pull.err());
    assertTrue(pull.out().startsWith("pushed 0, pulled " + pushed + ", failed 0, conflicts 0"),
        pull.out());

    Result list = as("desk", "list", "--json");
    assertEquals(0, list.code(), list.err());
    assertEquals(1, list.json().size());
    assertEquals(TASK, list.json().get(0).get("id").asText());
    Result show = as("desk", "show", TASK);
    assertEquals(0, show.code(), show.err());
    assertTrue(show.out().contains("gradio"), show.out());

    Result again = as("desk", "sync", "now", "--json");
    assertEquals(0, again.json().get("pulled").asInt(), "nothing new the second time");

    Result status = as("laptop", "sync", "status", "--json");
    assertEquals(0, status.code(), status.err());
    JsonNode s = status.json();
    assertTrue(s.get("online").asBoolean());
    assertEquals(0, s.get("pending").asInt());
    assertEquals(0, s.get("failed").asInt());
    assertTrue(s.get("lastError").isNull());
    assertTrue(s.get("lastSyncAt").asText().matches("\\d{4}-\\d\\d-\\d\\dT.*Z"), s.toString());
    assertEquals("laptop", s.get("device").asText());

    Result text = as("laptop", "sync", "status");
    assertTrue(text.out().contains("connection online"), text.out());
    assertTrue(text.out().contains("pending    0"), text.out());
    assertFalse(text.out().contains("last sync  never"), text.out());
  }

  @Test
  void syncNow_againstAStoppedServer_exits1_keepsChangesPending_andStatusSaysOffline()
      throws Exception {
    init("laptop");
    writeConversation(db("laptop"), "c-off", "m-off", "written while offline");
    server.close();

    Result r = as("laptop", "sync", "now");
    assertEquals(1, r.code());
    assertTrue(r.err().contains("sync failed"), r.err());

    Result status = as("laptop", "sync", "status", "--json");
    assertEquals(0, status.code(), status.err());
    JsonNode s = status.json();
    assertFalse(s.get("online").asBoolean());
    assertEquals(2, s.get("pending").asInt(), s.toString());
    assertFalse(s.get("lastError").isNull(), "the failure of the last run is remembered");
    assertTrue(s.get("lastSyncAt").isNull());
    Result text = as("laptop", "sync", "status");
    assertTrue(text.out().contains("connection offline") && text.out().contains("never"),
        text.out());

    // Server back on another port: re-init, the queued changes go out, the error is cleared.
    server = TandemServer.builder().port(0).dataDir(tmp.resolve("server")).adminToken(ADMIN)
        .build().start();
    init("laptop");
    Result ok = as("laptop", "sync", "now", "--json");
    assertEquals(0, ok.code(), ok.err());
    assertEquals(2, ok.json().get("pushed").asInt());
    assertTrue(as("laptop", "sync", "status", "--json").json().get("lastError").isNull());
  }

  @Test
  void syncNow_withAWrongToken_exits1_sayingTheServerRefused() throws Exception {
    init("laptop");
    // init itself refuses a wrong token now, so the config is made wrong by hand.
    Files.writeString(config("laptop"), Files.readString(config("laptop"))
        .replaceAll("\"token\" : \"[^\"]*\"", "\"token\" : \"not-the-token\""));
    assertTrue(Files.readString(config("laptop")).contains("not-the-token"));
    writeConversation(db("laptop"), "c-1", "m-1", "hello");
    Result sync = as("laptop", "sync", "now");
    assertEquals(1, sync.code());
    assertTrue(sync.err().contains("sync failed") && sync.err().contains("401"), sync.err());
    assertEquals(2, as("laptop", "sync", "status", "--json").json().get("pending").asInt());
  }

  @Test
  void syncRetry_sendsRefusedChangesAgain() throws Exception {
    // A server that refuses big records parks both changes as failed.
    TandemServer strict = TandemServer.builder().port(0).dataDir(tmp.resolve("strict"))
        .adminToken(ADMIN).maxRecordBytes(60).build().start();
    extraServers.add(strict);
    String token = run("token", "create", "--server", strict.uri().toString(), "--admin-token",
        ADMIN, "--team", TEAM, "--device", "laptop").out().strip();
    assertEquals(0, as("laptop", "init", "--server", strict.uri().toString(), "--team", TEAM,
        "--device", "laptop", "--token=" + token).code());
    writeConversation(db("laptop"), "c-big", "m-big", "x".repeat(500));

    Result first = as("laptop", "sync", "now", "--json");
    assertEquals(0, first.code(), first.err());
    assertEquals(2, first.json().get("failed").asInt(), first.out());
    assertEquals(0, first.json().get("pushed").asInt());
    Result status = as("laptop", "sync", "status");
    assertTrue(status.out().contains("failed     2"), status.out());
    assertTrue(status.out().contains("message m-big: record_too_large"), status.out());
    assertTrue(status.out().contains("last error 2 change(s) refused"), status.out());

    // Same server: still refused, and said so.
    Result retry = as("laptop", "sync", "retry");
    assertEquals(0, retry.code(), retry.err());
    assertTrue(retry.out().contains("moved 2 failed change(s) back to pending"), retry.out());
    assertTrue(retry.out().contains("failed 2"), retry.out());

    // A server without the limit: retry moves them back and pushes them.
    strict.close();
    TandemServer lenient = TandemServer.builder().port(0).dataDir(tmp.resolve("lenient"))
        .adminToken(ADMIN).build().start();
    extraServers.add(lenient);
    String token2 = run("token", "create", "--server", lenient.uri().toString(),
        "--admin-token", ADMIN, "--team", TEAM, "--device", "laptop").out().strip();
    assertEquals(0, as("laptop", "init", "--server", lenient.uri().toString(), "--team", TEAM,
        "--device", "laptop", "--token=" + token2).code());
    Result ok = as("laptop", "sync", "retry", "--json");
    assertEquals(0, ok.code(), ok.err());
    assertEquals(2, ok.json().get("retried").asInt());
    assertEquals(2, ok.json().get("pushed").asInt(), ok.out());
    assertEquals(0, ok.json().get("failed").asInt());
    JsonNode after = as("laptop", "sync", "status", "--json").json();
    assertEquals(0, after.get("failed").asInt());
    assertTrue(after.get("lastError").isNull(), after.toString());
  }

  @Test
  void syncWatch_json_printsAChangeWrittenByAnotherDevice() throws Exception {
    init("laptop");
    init("desk");
    StringWriter out = new StringWriter();
    AtomicInteger code = new AtomicInteger(-1);
    StringBuilder err = new StringBuilder();
    Thread watch = new Thread(() -> {
      Result r = run(out, "--db", db("desk").toString(), "--config", config("desk").toString(),
          "sync", "watch", "--json", "--max-changes", "2", "--max-millis", "90000");
      err.append(r.err());
      code.set(r.code());
    });
    watch.start();
    try (Tandem laptop = Tandem.builder().database(db("laptop")).deviceId("laptop")
        .server(server.uri(), readToken("laptop"), TEAM).autoSync(false).build()) {
      save(laptop, "c-live", "m-live", "hello from the laptop");
      assertTrue(laptop.syncNow().ok());
    }
    watch.join(120_000);
    assertFalse(watch.isAlive(), "watch stops after 2 changes");
    assertEquals(0, code.get(), err.toString());
    assertTrue(err.toString().contains("watching"), err.toString());
    String[] lines = out.toString().strip().split("\n");
    assertEquals(2, lines.length, out.toString());
    JsonNode conv = Json.MAPPER.readTree(lines[0]);
    JsonNode msg = Json.MAPPER.readTree(lines[1]);
    assertEquals("conversation", conv.get("type").asText());
    assertEquals("c-live", conv.get("id").asText());
    assertEquals("upsert", conv.get("op").asText());
    assertEquals("message", msg.get("type").asText());
    assertEquals("m-live", msg.get("id").asText());
    assertEquals("c-live", msg.get("conversationId").asText());
    assertNotNull(msg.get("hlc"));
  }

  @Test
  void syncWatch_text_printsDeletesToo_andStopsWhenInterrupted() throws Exception {
    init("laptop");
    init("desk");
    try (Tandem laptop = openAs("laptop")) {
      save(laptop, "c-del", "m-del", "soon gone");
      assertTrue(laptop.syncNow().ok());
    }
    assertEquals(0, as("desk", "sync", "now").code());
    StringWriter out = new StringWriter();
    AtomicInteger code = new AtomicInteger(-1);
    Thread watch = new Thread(() -> code.set(run(out, "--db", db("desk").toString(), "--config",
        config("desk").toString(), "sync", "watch", "--max-millis", "90000").code()));
    watch.start();
    try (Tandem laptop = openAs("laptop")) {
      laptop.messages().delete("m-del");
      assertTrue(laptop.syncNow().ok());
    }
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!out.toString().contains("delete") && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    watch.interrupt();
    watch.join(60_000);
    assertFalse(watch.isAlive());
    assertEquals(0, code.get());
    // The conversation of a deleted record is printed only if the store still knows it; after a
    // remote delete it does not (see the report: the listener gets no previous version).
    assertTrue(out.toString().contains("delete message m-del"), out.toString());
  }

  @Test
  void server_startsAnswersHealth_andIssuesTokens_untilStopped() throws Exception {
    env.put("MY_ADMIN", "adm1n-t0ken");
    StringWriter out = new StringWriter();
    AtomicInteger code = new AtomicInteger(-1);
    Thread srv = new Thread(() -> code.set(run(out, "server", "--port", "0", "--data",
        tmp.resolve("srv").toString(), "--admin-token-env", "MY_ADMIN").code()));
    srv.start();
    Pattern listening = Pattern.compile("listening on (http://\\S+)");
    Matcher m = listening.matcher("");
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!(m = listening.matcher(out.toString())).find() && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    try {
      assertTrue(m.find(0), out.toString());
      URI uri = URI.create(m.group(1));
      assertTrue(CliConfig.health(uri, Duration.ofSeconds(5)).ok);
      Result t = run("token", "create", "--server", uri.toString(), "--admin-token",
          "adm1n-t0ken", "--team", TEAM, "--device", "d1");
      assertEquals(0, t.code(), t.err());
      assertTrue(Files.isDirectory(tmp.resolve("srv")));
    } finally {
      srv.interrupt();
      srv.join(60_000);
    }
    assertFalse(srv.isAlive());
    assertEquals(0, code.get());
  }

  @Test
  void syncNow_withEachCompression_syncs_andAnUnknownOneIsBadUsage() throws Exception {
    init("laptop");
    init("desk");
    assertEquals(0, as("laptop", "import", task().toString()).code());
    Result push = as("laptop", "sync", "now", "--compression", "zstd", "--json");
    assertEquals(0, push.code(), push.err());
    int pushed = push.json().get("pushed").asInt();
    assertTrue(pushed > 1, push.out());
    for (String mode : new String[] {"gzip", "none", "AUTO"}) {
      Result r = as("desk", "sync", "now", "--compression", mode, "--json");
      assertEquals(0, r.code(), mode + ": " + r.err());
    }
    assertEquals(1, as("desk", "list", "--json").json().size());

    Result bad = as("desk", "sync", "now", "--compression", "brotli");
    assertEquals(2, bad.code());
    assertTrue(bad.err().contains("--compression must be auto, zstd, gzip or none"), bad.err());
    Result badServer = run("server", "--port", "0", "--compression", "zstd-only");
    assertEquals(2, badServer.code());
    assertTrue(badServer.err().contains("--compression must be auto, gzip or none"),
        badServer.err());
  }

  @Test
  void server_withAnUnreachableDatabase_exits1_andWithBothStores_isBadUsage() {
    Result pg = run("server", "--port", "0", "--database-url",
        "jdbc:postgresql://127.0.0.1:1/x?connectTimeout=2");
    assertEquals(1, pg.code());
    assertTrue(pg.err().contains("cannot open the PostgreSQL store"), pg.err());
    Result withPassword = run("server", "--port", "0", "--database-url",
        "jdbc:postgresql://127.0.0.1:1/x?password=secret");
    assertEquals(2, withPassword.code(), "bad usage, like any bad option value");
    assertTrue(withPassword.err().contains("must not hold the password"), withPassword.err());
    assertEquals(2, run("server", "--data", "d", "--database-url", "jdbc:x").code());
    assertEquals(2, run("server", "--port", "70000").code());
  }

  // ---- helpers ----

  private String readToken(String dev) throws Exception {
    return Json.MAPPER.readTree(config(dev).toFile()).get("token").asText();
  }

  private Tandem openAs(String dev) throws Exception {
    return Tandem.builder().database(db(dev)).deviceId(dev)
        .server(server.uri(), readToken(dev), TEAM).autoSync(false).build();
  }

  private static void writeConversation(Path db, String cid, String mid, String text) {
    try (Tandem t = Tandem.builder().database(db).autoSync(false).build()) {
      save(t, cid, mid, text);
    }
  }

  private static void save(Tandem t, String cid, String mid, String text) {
    long now = System.currentTimeMillis();
    t.conversations().save(Conversation.builder(cid).title("t " + cid).source("native")
        .createdAt(now).updatedAt(now).build());
    t.messages().save(Message.builder(mid, cid).role("user").content(text).ts(now).build());
  }
}
