package dev.tandem.sync.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.sync.cli.CliRun.Result;
import dev.tandem.sync.server.Main;
import dev.tandem.sync.server.logging.Logs;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code tandem server}: every flag also as a {@code TANDEM_*} variable, the flag winning. */
class ServerOptionsTest {
  @TempDir Path tmp;
  private final Map<String, String> env = new HashMap<>();

  private TandemCli cli() {
    return new TandemCli().withEnvironment(env, tmp.resolve("home"), "Linux");
  }

  /** Parses {@code tandem server ARGS} as the command would, without starting a server. */
  private Main.Options options(String... args) {
    String[] all = new String[args.length + 1];
    all[0] = "server";
    System.arraycopy(args, 0, all, 1, args.length);
    CommandLine cl = TandemCli.commandLine(cli());
    CommandLine.ParseResult parsed = cl.parseArgs(all);
    ServerCommand server = (ServerCommand) parsed.subcommand().commandSpec().userObject();
    return server.options();
  }

  @Test
  void everyServerFlag_hasItsVariable_andTheCommandReadsIt() {
    env.put("TANDEM_PORT", "0");
    env.put("TANDEM_HOST", "0.0.0.0");
    env.put("TANDEM_DATA", tmp.resolve("srv").toString());
    env.put("TANDEM_ADMIN_TOKEN_ENV", "MY_ADMIN");
    env.put("TANDEM_ADMIN_TOKEN_FILE", tmp.resolve("admin").toString());
    env.put("TANDEM_MAX_CLOCK_SKEW", "90s");
    env.put("TANDEM_LOG_FORMAT", "json");
    env.put("TANDEM_LOG_LEVEL", "debug");
    env.put("TANDEM_METRICS_PUBLIC", "yes");
    env.put("TANDEM_TOMBSTONE_RETENTION", "7d");
    env.put("TANDEM_RETENTION_INTERVAL", "15m");
    Main.Options o = options();
    assertEquals(new Main.Options(0, "0.0.0.0", tmp.resolve("srv"), "MY_ADMIN",
        tmp.resolve("admin"), Duration.ofSeconds(90), Logs.Format.JSON, "debug", true,
        Duration.ofDays(7), Duration.ofMinutes(15)), o);
    // Every flag of the command but --postgres (and the help flags) is in Main.ENV.
    CommandLine server = TandemCli.commandLine(cli()).getSubcommands().get("server");
    for (CommandLine.Model.OptionSpec opt : server.getCommandSpec().options()) {
      String name = opt.longestName();
      if (name.equals("--postgres") || name.equals("--help") || name.equals("--version")
          || opt.inherited()) {
        continue;
      }
      assertTrue(Main.ENV.containsKey(name), name + " has no environment variable");
    }
  }

  @Test
  void flagsWinOverVariables_andDefaultsApplyWithNeither() {
    env.put("TANDEM_PORT", "9000");
    env.put("TANDEM_DATA", tmp.resolve("from-env").toString());
    env.put("TANDEM_LOG_FORMAT", "json");
    Main.Options o = options("--port", "0", "--data", tmp.resolve("from-flag").toString(),
        "--log-format", "text", "--metrics-public");
    assertEquals(0, o.port());
    assertEquals(tmp.resolve("from-flag"), o.dataDir());
    assertEquals(Logs.Format.TEXT, o.logFormat());
    assertTrue(o.metricsPublic());
    env.clear();
    Main.Options d = options();
    assertEquals(8080, d.port());
    assertEquals("127.0.0.1", d.host());
    assertEquals(tmp.resolve("home").resolve(".local/share/tandem/server"), d.dataDir());
    assertEquals(Main.DEFAULT_TOMBSTONE_RETENTION, d.tombstoneRetention());
    assertEquals(false, d.metricsPublic());
  }

  @Test
  void aBadVariable_isBadUsage_namingTheVariable() {
    env.put("TANDEM_PORT", "lots");
    Result r = CliRun.execute(cli(), "server");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("$TANDEM_PORT"), r.err());
    env.clear();
    Result flag = CliRun.execute(cli(), "server", "--log-format", "yaml");
    assertEquals(2, flag.code());
    assertTrue(flag.err().contains("--log-format"), flag.err());
  }
}
