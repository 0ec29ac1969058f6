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
    description = {"Writes the config and checks the server's /health.",
        "The config (default ~/.tandem/config.json, or --config) is always written, with "
            + "permissions 600 where the file system allows: an unreachable server is not a "
            + "reason to retype the token later. The exit code is 0 only if /health answered "
            + "ok; otherwise a warning is printed and the exit code is 1."})
final class InitCommand extends BaseCommand {
  @Option(names = "--server", required = true, paramLabel = "URL",
      description = "Base URL of the sync server, e.g. http://127.0.0.1:8080.") String server;
  @Option(names = "--team", required = true, paramLabel = "T", description = "Team id.")
  String team;
  @Option(names = "--device", required = true, paramLabel = "D",
      description = "This device's id (the one the token was created for).") String device;
  @Option(names = "--token", required = true, paramLabel = "TOKEN",
      description = "Device token, from tandem token create.") String token;
  @Option(names = "--json", description = "Machine-readable output.") boolean json;

  /** How long the health probe waits; short, init is interactive. */
  static final Duration PROBE_TIMEOUT = Duration.ofSeconds(5);

  @Override
  public Integer call() {
    URI uri;
    try {
      uri = CliConfig.parseServer(server);
      Ids.requireDeviceId(device);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    if (team.trim().isEmpty() || token.trim().isEmpty()) {
      throw new ParameterException(spec.commandLine(), "--team and --token must not be empty");
    }
    Path file = root().configPath().toAbsolutePath();
    new CliConfig(uri, team, device, token).write(file);
    CliConfig.Health h = CliConfig.health(uri, PROBE_TIMEOUT);
    if (json) {
      ObjectNode o = Json.object();
      o.put("config", file.toString());
      o.put("server", uri.toString());
      o.put("team", team);
      o.put("device", device);
      o.put("online", h.ok);
      if (h.version != null) {
        o.put("serverVersion", h.version);
      }
      if (h.error != null) {
        o.put("error", h.error);
      }
      printJson(o);
    } else {
      out().println("wrote " + file);
      if (h.ok) {
        out().println("server " + uri + " is up (version " + h.version + ")");
      }
      out().flush();
    }
    if (!h.ok) {
      err().println("tandem: warning: " + h.error
          + " (the config was written; run tandem sync status once the server is up)");
      err().flush();
      return 1;
    }
    return 0;
  }
}
