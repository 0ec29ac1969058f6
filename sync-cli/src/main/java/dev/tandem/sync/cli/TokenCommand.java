package dev.tandem.sync.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.sync.Ids;
import dev.tandem.sync.internal.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

@Command(name = "token", mixinStandardHelpOptions = true, description = "Device tokens.",
    subcommands = TokenCommand.Create.class)
final class TokenCommand extends BaseCommand {
  static final Duration TIMEOUT = Duration.ofSeconds(10);

  @Override
  public Integer call() {
    spec.commandLine().usage(err());
    return 2;
  }

  @Command(name = "create", mixinStandardHelpOptions = true,
      description = {"Asks a server for a device token (POST /admin/tokens).",
          "Prints the token alone, so that TOKEN=$(tandem token create ...) works; --json prints "
              + "the server's answer. Creating a token again for the same device replaces it."})
  static final class Create extends BaseCommand {
    @Option(names = "--server", required = true, paramLabel = "URL",
        description = "Base URL of the sync server.") String server;
    @Option(names = "--admin-token", required = true, paramLabel = "T",
        description = "The server's admin token.") String adminToken;
    @Option(names = "--team", required = true, paramLabel = "T", description = "Team id.")
    String team;
    @Option(names = "--device", required = true, paramLabel = "D", description = "Device id.")
    String device;
    @Option(names = "--json", description = "Machine-readable output.") boolean json;

    @Override
    public Integer call() {
      URI base;
      try {
        base = CliConfig.parseServer(server);
        Ids.requireDeviceId(device);
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), e.getMessage());
      }
      if (team.trim().isEmpty() || adminToken.trim().isEmpty()) {
        throw new ParameterException(spec.commandLine(),
            "--team and --admin-token must not be empty");
      }
      ObjectNode body = Json.object().put("teamId", team).put("deviceId", device);
      HttpRequest req = HttpRequest.newBuilder(URI.create(base + "/admin/tokens"))
          .timeout(TIMEOUT)
          .header("Authorization", "Bearer " + adminToken)
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(Json.write(body)))
          .build();
      HttpClient client = HttpClient.newBuilder().connectTimeout(TIMEOUT)
          .followRedirects(HttpClient.Redirect.NEVER).build();
      HttpResponse<String> resp;
      try {
        resp = client.send(req, HttpResponse.BodyHandlers.ofString());
      } catch (IOException e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        err().println("tandem: cannot reach " + base + ": " + m);
        err().flush();
        return 1;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        err().println("tandem: interrupted");
        return 1;
      }
      JsonNode answer;
      try {
        answer = Json.MAPPER.readTree(resp.body());
      } catch (IOException e) {
        answer = null;
      }
      if (resp.statusCode() / 100 != 2) {
        String msg = answer == null ? "" : answer.path("error").path("message").asText("");
        String code = answer == null ? "" : answer.path("error").path("code").asText("");
        err().println("tandem: the server refused (" + resp.statusCode()
            + (code.isEmpty() ? "" : " " + code) + ")" + (msg.isEmpty() ? "" : ": " + msg));
        err().flush();
        return 1;
      }
      if (answer == null || !answer.path("token").isTextual()) {
        err().println("tandem: the server's answer has no token: is " + base
            + " a Tandem server?");
        err().flush();
        return 1;
      }
      if (json) {
        printJson(answer);
      } else {
        out().println(answer.get("token").asText());
        out().flush();
      }
      return 0;
    }
  }
}
