package dev.tandem.sync.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.sync.Conversation;
import dev.tandem.sync.Tandem;
import dev.tandem.sync.cli.CliRun.Result;
import dev.tandem.sync.internal.Json;
import dev.tandem.sync.server.TandemServer;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
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
import picocli.CommandLine;

/**
 * Issue 9 items 5 and 9: tokens that never look like options, secrets that never have to be on
 * the command line, replacing and revoking tokens, and init and sync refusing a wrong token.
 */
class TokenAndInitCommandsTest {
  private static final String ADMIN = "admin-secret-5";
  private static final String TEAM = "team-1";

  @TempDir Path tmp;
  private TandemServer server;
  private final Map<String, String> env = new HashMap<>();

  @BeforeEach
  void startServer() {
    server = TandemServer.builder().port(0).dataDir(tmp.resolve("server")).adminToken(ADMIN)
        .build().start();
    env.put("MY_ADMIN", ADMIN);
  }

  @AfterEach
  void stopServer() {
    server.close();
  }

  private Result run(String... args) {
    return runWithStdin("", args);
  }

  private Result runWithStdin(String stdin, String... args) {
    InputStream in = new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8));
    return CliRun.execute(new TandemCli().withEnvironment(env, tmp.resolve("home"), "Linux")
        .withStdin(in), args);
  }

  private Path config(String dev) {
    return tmp.resolve(dev + "-config.json");
  }

  private List<String> as(String dev, String... args) {
    List<String> all = new ArrayList<>(List.of("--db", tmp.resolve(dev + ".db").toString(),
        "--config", config(dev).toString()));
    all.addAll(List.of(args));
    return all;
  }

  private Result runAs(String dev, String... args) {
    return run(as(dev, args).toArray(String[]::new));
  }

  private String createToken(String dev, String... extra) {
    List<String> args = new ArrayList<>(List.of("token", "create", "--server",
        server.uri().toString(), "--admin-token-env", "MY_ADMIN", "--team", TEAM, "--device",
        dev));
    args.addAll(List.of(extra));
    Result r = run(args.toArray(String[]::new));
    assertEquals(0, r.code(), r.err());
    return r.out().strip();
  }

  private Result initWithEnvToken(String dev, String token) {
    env.put("DEVICE_TOKEN", token);
    return runAs(dev, "init", "--server", server.uri().toString(), "--team", TEAM, "--device",
        dev, "--token-env", "DEVICE_TOKEN");
  }

  private void writeConversation(String dev, String id) {
    try (Tandem t = Tandem.builder().database(tmp.resolve(dev + ".db")).autoSync(false)
        .build()) {
      long now = System.currentTimeMillis();
      t.conversations().save(Conversation.builder(id).title("t " + id).source("native")
          .createdAt(now).updatedAt(now).build());
    }
  }

  // ---- tokens ----

  @Test
  void manyServerTokens_areAcceptedAsTheInitTokenArgument() {
    // Base64 tokens started with '-' once in 64, and picocli read such a one as an option: a
    // usage error. 300 tokens would almost surely (99%) have held one.
    for (int i = 0; i < 300; i++) {
      String token = server.createToken(TEAM, "d" + i);
      assertTrue(token.startsWith("tdm_"), token);
      InitCommand init = new InitCommand();
      new CommandLine(init).parseArgs("--server", "http://127.0.0.1:1", "--team", TEAM,
          "--device", "d" + i, "--token", token);
      assertEquals(token, init.token);
    }
  }

  @Test
  void tokenCreate_takesTheAdminTokenFromAVariable_stdin_orTandemAdminToken() {
    String fromEnv = createToken("laptop");
    assertTrue(fromEnv.matches("tdm_[A-Za-z0-9]{43}"), fromEnv);

    Result stdin = runWithStdin(ADMIN + "\n", "token", "create", "--server",
        server.uri().toString(), "--admin-token", "-", "--team", TEAM, "--device", "desk");
    assertEquals(0, stdin.code(), stdin.err());
    assertTrue(stdin.out().strip().startsWith("tdm_"), stdin.out());

    env.put("TANDEM_ADMIN_TOKEN", ADMIN);
    Result dflt = run("token", "create", "--server", server.uri().toString(), "--team", TEAM,
        "--device", "phone");
    assertEquals(0, dflt.code(), dflt.err());
  }

  @Test
  void tokenCreate_withoutAUsableAdminToken_isAUsageError_namingTheWays() {
    String[] base = {"token", "create", "--server", server.uri().toString(), "--team", TEAM,
        "--device", "d"};
    Result none = run(base);
    assertEquals(2, none.code());
    assertTrue(none.err().contains("--admin-token-env") && none.err().contains("--admin-token -"),
        none.err());

    Result unset = run(concat(base, "--admin-token-env", "NOT_SET_ANYWHERE"));
    assertEquals(2, unset.code());
    assertTrue(unset.err().contains("NOT_SET_ANYWHERE is not set"), unset.err());

    Result emptyStdin = runWithStdin("", concat(base, "--admin-token", "-"));
    assertEquals(2, emptyStdin.code());
    assertTrue(emptyStdin.err().contains("standard input is empty"), emptyStdin.err());

    Result both = run(concat(base, "--admin-token", ADMIN, "--admin-token-env", "MY_ADMIN"));
    assertEquals(2, both.code());
    assertTrue(both.err().contains("use one"), both.err());
  }

  @Test
  void tokenCreate_again_replacesTheOldToken_whichSyncThenReportsOnStderrOnly() throws Exception {
    assertEquals(0, initWithEnvToken("laptop", createToken("laptop")).code());
    writeConversation("laptop", "c-1");
    Result first = runAs("laptop", "sync", "now");
    assertEquals(0, first.code(), first.err());

    String second = createToken("laptop");
    Result refused = runAs("laptop", "sync", "now");
    assertEquals(1, refused.code());
    assertEquals("", refused.out(), "no 'pushed 0, pulled 0' summary for a refused run");
    assertTrue(refused.err().contains("401") && refused.err().contains("tandem token create"),
        refused.err());
    Result json = runAs("laptop", "sync", "now", "--json");
    assertEquals(1, json.code());
    assertFalse(json.json().get("ok").asBoolean());
    assertTrue(json.json().get("error").asText().contains("401"), json.out());

    assertEquals(0, initWithEnvToken("laptop", second).code());
    writeConversation("laptop", "c-2");
    Result again = runAs("laptop", "sync", "now", "--json");
    assertEquals(0, again.code(), again.err());
    assertEquals(1, again.json().get("pushed").asInt(), again.out());
  }

  @Test
  void tokenRevoke_makesTheServerRefuseIt() throws Exception {
    String token = createToken("laptop");
    assertEquals(0, initWithEnvToken("laptop", token).code());
    Result r = run("token", "revoke", "--server", server.uri().toString(), "--admin-token-env",
        "MY_ADMIN", "--team", TEAM, "--device", "laptop");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("revoked the token of device laptop in team " + TEAM), r.out());
    Result sync = runAs("laptop", "sync", "now");
    assertEquals(1, sync.code());
    assertTrue(sync.err().contains("401"), sync.err());

    Result json = run("token", "revoke", "--json", "--server", server.uri().toString(),
        "--admin-token-env", "MY_ADMIN", "--team", TEAM, "--device", "never-had-one");
    assertEquals(0, json.code(), json.err());
    assertTrue(json.json().get("revoked").asBoolean());

    Result wrongAdmin = run("token", "revoke", "--server", server.uri().toString(),
        "--admin-token", "nope", "--team", TEAM, "--device", "laptop");
    assertEquals(1, wrongAdmin.code());
    assertTrue(wrongAdmin.err().contains("401"), wrongAdmin.err());
  }

  @Test
  void tokenCreate_withExpires_asksForThatLifetime() throws Exception {
    long before = System.currentTimeMillis();
    Result r = run("token", "create", "--json", "--server", server.uri().toString(),
        "--admin-token-env", "MY_ADMIN", "--team", TEAM, "--device", "laptop", "--expires",
        "1h30m");
    long after = System.currentTimeMillis();
    assertEquals(0, r.code(), r.err());
    long expiresAt = r.json().get("expiresAt").asLong();
    long lifetime = Duration.ofMinutes(90).toMillis();
    assertTrue(expiresAt >= before + lifetime && expiresAt <= after + lifetime, r.out());

    Result text = run("token", "create", "--server", server.uri().toString(),
        "--admin-token-env", "MY_ADMIN", "--team", TEAM, "--device", "desk", "--expires", "P7D");
    assertEquals(0, text.code(), text.err());
    assertTrue(text.out().strip().matches("tdm_[A-Za-z0-9]{43}"), "stdout holds the token alone");
    assertTrue(text.err().contains("expires at"), text.err());

    for (String bad : new String[] {"soon", "0s", "11000d", "5x", "-1h", ""}) {
      Result b = run("token", "create", "--server", server.uri().toString(), "--admin-token-env",
          "MY_ADMIN", "--team", TEAM, "--device", "laptop", "--expires", bad);
      assertEquals(2, b.code(), bad + ": " + b.err());
    }
  }

  @Test
  void parseDuration_readsTheShortAndTheIsoForms() {
    assertEquals(Duration.ofDays(90), TokenCommand.parseDuration("90d"));
    assertEquals(Duration.ofHours(12), TokenCommand.parseDuration("12h"));
    assertEquals(Duration.ofMinutes(90), TokenCommand.parseDuration("1h30m"));
    assertEquals(Duration.ofDays(14), TokenCommand.parseDuration("2w"));
    assertEquals(Duration.ofSeconds(45), TokenCommand.parseDuration("45s"));
    assertEquals(Duration.ofDays(30), TokenCommand.parseDuration("P30D"));
    assertEquals(Duration.ofHours(1), TokenCommand.parseDuration("pt1h"));
    for (String bad : new String[] {"h", "1", "1h 30m", "30m1", "PT0S", "P4000D"}) {
      assertThrows(IllegalArgumentException.class, () -> TokenCommand.parseDuration(bad), bad);
    }
  }

  // ---- init ----

  @Test
  void init_takesTheTokenFromAVariable_orStdin() throws Exception {
    String token = createToken("laptop");
    Result env1 = initWithEnvToken("laptop", token);
    assertEquals(0, env1.code(), env1.err());
    assertTrue(env1.out().contains("token accepted"), env1.out());
    assertEquals(token, Json.MAPPER.readTree(config("laptop").toFile()).get("token").asText());

    Files.delete(config("laptop"));
    Result stdin = runWithStdin(token + "\n", as("laptop", "init", "--server",
        server.uri().toString(), "--team", TEAM, "--device", "laptop", "--token", "-")
        .toArray(String[]::new));
    assertEquals(0, stdin.code(), stdin.err());
    assertEquals(token, Json.MAPPER.readTree(config("laptop").toFile()).get("token").asText());

    Result none = runAs("laptop", "init", "--server", server.uri().toString(), "--team", TEAM,
        "--device", "laptop");
    assertEquals(2, none.code());
    assertTrue(none.err().contains("--token-env"), none.err());
    Result unset = runAs("laptop", "init", "--server", server.uri().toString(), "--team", TEAM,
        "--device", "laptop", "--token-env", "NOT_SET_ANYWHERE");
    assertEquals(2, unset.code());
  }

  @Test
  void init_withAWrongToken_exits1_onStderr_andKeepsTheWorkingConfig() throws Exception {
    assertEquals(0, initWithEnvToken("laptop", createToken("laptop")).code());
    String good = Files.readString(config("laptop"));

    Result wrong = initWithEnvToken("laptop", "tdm_wrong");
    assertEquals(1, wrong.code());
    assertTrue(wrong.err().contains("refused the token") && wrong.err().contains("401"),
        wrong.err());
    assertTrue(wrong.err().contains("not written"), wrong.err());
    assertFalse(wrong.out().contains("wrote"), wrong.out());
    assertEquals(good, Files.readString(config("laptop")), "a refused token overwrites nothing");

    // Another device's token: the server answers 403.
    Result other = initWithEnvToken("laptop", createToken("desk"));
    assertEquals(1, other.code());
    assertTrue(other.err().contains("403") && other.err().contains("another team or device"),
        other.err());
    assertEquals(good, Files.readString(config("laptop")));

    env.put("DEVICE_TOKEN", "tdm_wrong");
    Result json = runAs("laptop", "init", "--json", "--server", server.uri().toString(),
        "--team", TEAM, "--device", "laptop", "--token-env", "DEVICE_TOKEN");
    assertEquals(1, json.code());
    assertFalse(json.json().get("tokenAccepted").asBoolean());
    assertFalse(json.json().get("configWritten").asBoolean());
    assertTrue(json.json().get("online").asBoolean());
  }

  @Test
  void init_withoutAConfigYet_andAWrongToken_writesNone() {
    Result wrong = initWithEnvToken("fresh", "tdm_wrong");
    assertEquals(1, wrong.code());
    assertFalse(Files.exists(config("fresh")));
  }

  // ---- server ----

  @Test
  void server_takesItsAdminTokenFromAFile() throws Exception {
    Path file = tmp.resolve("admin-token");
    Files.writeString(file, "from-a-file\n");
    StringWriter out = new StringWriter();
    java.util.concurrent.atomic.AtomicInteger code =
        new java.util.concurrent.atomic.AtomicInteger(-1);
    Thread srv = new Thread(() -> {
      TandemCli cli = new TandemCli().withEnvironment(env, tmp.resolve("home"), "Linux");
      CommandLine cl = TandemCli.commandLine(cli);
      cl.setOut(new PrintWriter(out, true));
      cl.setErr(new PrintWriter(new StringWriter(), true));
      code.set(cl.execute("server", "--port", "0", "--data", tmp.resolve("srv").toString(),
          "--admin-token-file", file.toString()));
    });
    srv.start();
    java.util.regex.Pattern listening = java.util.regex.Pattern.compile("listening on (\\S+)");
    java.util.regex.Matcher m = listening.matcher("");
    // Polls for the start line (bounded); the server itself starts in well under a second.
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!(m = listening.matcher(out.toString())).find() && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    try {
      assertTrue(m.find(0), out.toString());
      assertFalse(out.toString().contains("admin endpoints disabled"), out.toString());
      env.put("FILE_ADMIN", "from-a-file");
      Result t = run("token", "create", "--server", m.group(1), "--admin-token-env",
          "FILE_ADMIN", "--team", TEAM, "--device", "d1");
      assertEquals(0, t.code(), t.err());
    } finally {
      srv.interrupt();
      srv.join(15_000);
    }
    assertFalse(srv.isAlive());
    assertEquals(0, code.get());
  }

  @Test
  void server_withAnUnusableAdminTokenFile_exits1_namingIt() throws Exception {
    Path missing = tmp.resolve("no-such-token-file");
    Result r = run("server", "--port", "0", "--data", tmp.resolve("srv").toString(),
        "--admin-token-file", missing.toString());
    assertEquals(1, r.code());
    assertTrue(r.err().contains(missing.toString()), r.err());
  }

  private static String[] concat(String[] a, String... b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
