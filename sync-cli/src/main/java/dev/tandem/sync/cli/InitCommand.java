package dev.tandem.sync.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.sync.Ids;
import dev.tandem.sync.internal.Json;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

@Command(name = "init", mixinStandardHelpOptions = true,
    description = {"Writes the config and checks that the server is up and accepts the token.",
        "The token comes from --token-env VAR, from standard input with --token -, or (visible "
            + "to other users of the machine, so best avoided) as --token TOKEN.",
        "If the server refuses the token (401 or 403) nothing is written and the exit code is "
            + "1. If the server cannot be reached the config is still written (permissions 600 "
            + "where the file system allows: an unreachable server is not a reason to retype the "
            + "token later), a warning is printed and the exit code is 1."})
final class InitCommand extends BaseCommand {
  @Option(names = "--server", required = true, paramLabel = "URL",
      description = "Base URL of the sync server, e.g. http://127.0.0.1:8080.") String server;
  @Option(names = "--team", required = true, paramLabel = "T", description = "Team id.")
  String team;
  @Option(names = "--device", required = true, paramLabel = "D",
      description = "This device's id (the one the token was created for).") String device;
  @Option(names = "--token", paramLabel = "TOKEN",
      description = "Device token from tandem token create; - reads it from standard input.")
  String token;
  @Option(names = "--token-env", paramLabel = "VAR",
      description = "Environment variable holding the device token.") String tokenEnv;
  @Option(names = "--json", description = "Machine-readable output.") boolean json;

  /** How long each probe waits; short, init is interactive. */
  static final Duration PROBE_TIMEOUT = Duration.ofSeconds(5);

  @Override
  public Integer call() {
    URI uri;
    String secret;
    try {
      uri = CliConfig.parseServer(server);
      Ids.requireDeviceId(device);
      secret = Secrets.resolve("--token", token, "--token-env", tokenEnv, null, root().env,
          root().stdin);
    } catch (IllegalArgumentException | Secrets.SecretException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    if (team.trim().isEmpty()) {
      throw new ParameterException(spec.commandLine(), "--team must not be empty");
    }
    Path file = root().configPath().toAbsolutePath();
    CliConfig config = new CliConfig(uri, team, device, secret);
    CliConfig.Health h = CliConfig.health(uri, PROBE_TIMEOUT);
    CliConfig.Auth auth = h.ok ? config.checkToken(PROBE_TIMEOUT) : null;
    boolean refused = auth != null && auth.refused();
    // A refused token is never written: it would only replace a config that may still work.
    if (!refused) {
      config.write(file);
    }
    String problem = !h.ok ? h.error : !auth.accepted() ? auth.error : null;
    if (json) {
      ObjectNode o = Json.object();
      o.put("config", file.toString());
      o.put("configWritten", !refused);
      o.put("server", uri.toString());
      o.put("team", team);
      o.put("device", device);
      o.put("online", h.ok);
      if (auth != null) {
        o.put("tokenAccepted", auth.accepted());
      } else {
        o.putNull("tokenAccepted");
      }
      if (h.version != null) {
        o.put("serverVersion", h.version);
      }
      if (problem != null) {
        o.put("error", problem);
      }
      printJson(o);
    } else {
      if (!refused) {
        out().println("wrote " + file);
      }
      if (h.ok) {
        out().println("server " + uri + " is up (version " + h.version + ")");
      }
      if (auth != null && auth.accepted()) {
        out().println("token accepted for device " + device + " of team " + team);
      }
      out().flush();
    }
    if (refused) {
      err().println("tandem: the server refused the token (" + auth.error + "). "
          + (auth.status == 403 ? "It belongs to another team or device: check --team and "
              + "--device." : "Create a new one with tandem token create.")
          + " The config was not written.");
      err().flush();
      return 1;
    }
    if (problem != null) {
      err().println("tandem: warning: " + problem
          + (h.ok ? " (could not check the token; " : " (")
          + "the config was written; run tandem sync status once the server is up)");
      err().flush();
      return 1;
    }
    return 0;
  }
}
