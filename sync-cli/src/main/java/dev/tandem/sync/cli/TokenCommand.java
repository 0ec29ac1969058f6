package dev.tandem.sync.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.sync.Ids;
import dev.tandem.sync.internal.Json;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

@Command(name = "token", mixinStandardHelpOptions = true, description = "Device tokens.",
    subcommands = {TokenCommand.Create.class, TokenCommand.Revoke.class})
final class TokenCommand extends BaseCommand {
  static final Duration TIMEOUT = Duration.ofSeconds(10);
  /** The variable read for the admin token when no option names one, as the server does. */
  static final String ADMIN_TOKEN_ENV = "TANDEM_ADMIN_TOKEN";
  /** The longest --expires the server takes: ten years. */
  static final Duration MAX_EXPIRY = Duration.ofDays(3650);

  @Override
  public Integer call() {
    spec.commandLine().usage(err());
    return 2;
  }

  /** The options every admin call shares, and the call itself. */
  abstract static class AdminCall extends BaseCommand {
    @Option(names = "--server", required = true, paramLabel = "URL",
        description = "Base URL of the sync server.") String server;
    @Option(names = "--admin-token-env", paramLabel = "VAR",
        description = "Environment variable holding the server's admin token (default: "
            + ADMIN_TOKEN_ENV + ").") String adminTokenEnv;
    @Option(names = "--admin-token", paramLabel = "T",
        description = "The admin token; - reads it from standard input. A value here is "
            + "visible to other users of the machine: prefer --admin-token-env.")
    String adminToken;
    @Option(names = "--team", required = true, paramLabel = "T", description = "Team id.")
    String team;
    @Option(names = "--device", required = true, paramLabel = "D", description = "Device id.")
    String device;
    @Option(names = "--json", description = "Machine-readable output.") boolean json;

    URI base;
    String admin;

    /** Checks the shared options; bad ones are usage errors (exit 2). */
    void checkOptions() {
      try {
        base = CliConfig.parseServer(server);
        Ids.requireDeviceId(device);
        if (!Ids.isValidId(team)) {
          throw new IllegalArgumentException("invalid team id \"" + team + "\": " + Ids.ID_RULE);
        }
        admin = Secrets.resolve("--admin-token", adminToken, "--admin-token-env", adminTokenEnv,
            ADMIN_TOKEN_ENV, root().env, root().stdin);
      } catch (IllegalArgumentException | Secrets.SecretException e) {
        throw new ParameterException(spec.commandLine(), e.getMessage());
      }
    }

    /** The server's answer: status and parsed body (null if not JSON). */
    static final class Answer {
      final int status;
      final JsonNode body;

      Answer(int status, JsonNode body) {
        this.status = status;
        this.body = body;
      }
    }

    /** Sends the call; prints why and returns null if it failed. */
    Answer send(HttpRequest.Builder request) {
      HttpRequest req = request.timeout(TIMEOUT).header("Authorization", "Bearer " + admin)
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
        return null;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        err().println("tandem: interrupted");
        return null;
      }
      JsonNode answer;
      try {
        answer = resp.body().isEmpty() ? null : Json.MAPPER.readTree(resp.body());
      } catch (IOException e) {
        answer = null;
      }
      if (resp.statusCode() / 100 != 2) {
        String msg = answer == null ? "" : answer.path("error").path("message").asText("");
        String code = answer == null ? "" : answer.path("error").path("code").asText("");
        err().println("tandem: the server refused (" + resp.statusCode()
            + (code.isEmpty() ? "" : " " + code) + ")" + (msg.isEmpty() ? "" : ": " + msg));
        err().flush();
        return null;
      }
      return new Answer(resp.statusCode(), answer);
    }
  }

  @Command(name = "create", mixinStandardHelpOptions = true,
      description = {"Asks a server for a device token (POST /admin/tokens).",
          "Prints the token alone, so that TOKEN=$(tandem token create ...) works; --json prints "
              + "the server's answer. Creating a token again for the same device replaces it: "
              + "the old one is refused from then on.",
          "The admin token comes from --admin-token-env VAR (default $" + ADMIN_TOKEN_ENV
              + ") or from standard input with --admin-token -."})
  static final class Create extends AdminCall {
    @Option(names = "--expires", paramLabel = "DURATION",
        description = "Lifetime of the token, e.g. 90d, 12h, 1h30m, 1w or ISO-8601 (P30D); "
            + "default: never expires.") String expires;

    @Override
    public Integer call() {
      checkOptions();
      Duration lifetime = null;
      if (expires != null) {
        try {
          lifetime = parseDuration(expires);
        } catch (IllegalArgumentException e) {
          throw new ParameterException(spec.commandLine(), "--expires: " + e.getMessage());
        }
      }
      ObjectNode body = Json.object().put("teamId", team).put("deviceId", device);
      if (lifetime != null) {
        body.put("expiresInSeconds", lifetime.getSeconds());
      }
      Answer a = send(HttpRequest.newBuilder(URI.create(base + "/admin/tokens"))
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(Json.write(body))));
      if (a == null) {
        return 1;
      }
      if (a.body == null || !a.body.path("token").isTextual()) {
        err().println("tandem: the server's answer has no token: is " + base
            + " a Tandem server?");
        err().flush();
        return 1;
      }
      if (json) {
        printJson(a.body);
      } else {
        out().println(a.body.get("token").asText());
        out().flush();
        if (a.body.path("expiresAt").isIntegralNumber()) {
          err().println("tandem: the token expires at "
              + Instant.ofEpochMilli(a.body.get("expiresAt").asLong()));
          err().flush();
        }
      }
      return 0;
    }
  }

  @Command(name = "revoke", mixinStandardHelpOptions = true,
      description = {"Revokes a device's token (DELETE /admin/tokens/<device>): the server "
          + "refuses it (401) from then on.",
          "Revoking a device that has no token is not an error."})
  static final class Revoke extends AdminCall {
    @Override
    public Integer call() {
      checkOptions();
      String path = "/admin/tokens/" + device + "?teamId="
          + URLEncoder.encode(team, StandardCharsets.UTF_8);
      Answer a = send(HttpRequest.newBuilder(URI.create(base + path)).DELETE());
      if (a == null) {
        return 1;
      }
      if (json) {
        printJson(Json.object().put("revoked", true).put("teamId", team).put("deviceId", device));
      } else {
        out().println("revoked the token of device " + device + " in team " + team);
        out().flush();
      }
      return 0;
    }
  }

  private static final Pattern PARTS = Pattern.compile("(\\d{1,9})([wdhms])");

  /**
   * Parses {@code 90d}, {@code 12h}, {@code 1h30m}, {@code 45s}, {@code 2w} or an ISO-8601
   * duration ({@code PT12H}, {@code P30D}).
   *
   * @throws IllegalArgumentException for anything else, zero, under a second or over ten years
   */
  static Duration parseDuration(String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    Duration d;
    if (t.startsWith("p")) {
      try {
        d = Duration.parse(t.toUpperCase(Locale.ROOT));
      } catch (DateTimeParseException e) {
        throw new IllegalArgumentException("not a duration: \"" + text + "\"");
      }
    } else {
      Matcher m = PARTS.matcher(t);
      d = Duration.ZERO;
      int end = 0;
      while (m.find() && m.start() == end) {
        long n = Long.parseLong(m.group(1));
        switch (m.group(2)) {
          case "w":
            d = d.plusDays(7 * n);
            break;
          case "d":
            d = d.plusDays(n);
            break;
          case "h":
            d = d.plusHours(n);
            break;
          case "m":
            d = d.plusMinutes(n);
            break;
          default:
            d = d.plusSeconds(n);
        }
        end = m.end();
      }
      if (end == 0 || end != t.length()) {
        throw new IllegalArgumentException("not a duration: \"" + text
            + "\" (use e.g. 90d, 12h, 1h30m, 2w or P30D)");
      }
    }
    if (d.getSeconds() < 1) {
      throw new IllegalArgumentException("must be at least one second: \"" + text + "\"");
    }
    if (d.compareTo(MAX_EXPIRY) > 0) {
      throw new IllegalArgumentException("must be at most ten years: \"" + text + "\"");
    }
    return d;
  }
}
