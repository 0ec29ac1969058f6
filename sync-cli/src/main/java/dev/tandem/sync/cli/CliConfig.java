package dev.tandem.sync.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.sync.Ids;
import dev.tandem.sync.Tandem;
import dev.tandem.sync.conflict.LastWriteWins;
import dev.tandem.sync.conflict.ThreeWayMerge;
import dev.tandem.sync.internal.Json;
import dev.tandem.sync.protocol.ProtocolCodec;
import dev.tandem.sync.protocol.ProtocolException;
import dev.tandem.sync.transport.Compression;
import dev.tandem.sync.transport.OkHttpTransport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The config file written by {@code tandem init} and read by the sync commands: {@code {"server",
 * "team", "device", "token"}}. Immutable.
 */
final class CliConfig {
  /** Raised when the file is missing, unreadable or incomplete; the message names the file. */
  static final class ConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ConfigException(String message) {
      super(message);
    }
  }

  private final URI server;
  private final String team;
  private final String device;
  private final String token;

  CliConfig(URI server, String team, String device, String token) {
    this.server = server;
    this.team = team;
    this.device = device;
    this.token = token;
  }

  URI server() {
    return server;
  }

  String team() {
    return team;
  }

  String device() {
    return device;
  }

  String token() {
    return token;
  }

  /**
   * Parses and checks a server URL given by the user.
   *
   * @throws IllegalArgumentException with a message fit for the user
   */
  static URI parseServer(String s) {
    URI u;
    try {
      u = new URI(s.trim());
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("not a URL: " + s);
    }
    String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(java.util.Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https") || u.getHost() == null) {
      throw new IllegalArgumentException("the server must be an http:// or https:// URL: " + s);
    }
    // The transport resolves /sync/... against the base; a trailing slash would double it.
    String text = u.toString();
    while (text.endsWith("/")) {
      text = text.substring(0, text.length() - 1);
    }
    return URI.create(text);
  }

  /**
   * Reads the config at {@code file}.
   *
   * @throws ConfigException if it is missing, not JSON, or lacks a field
   */
  static CliConfig read(Path file) {
    JsonNode n;
    try {
      n = Json.MAPPER.readTree(Files.readAllBytes(file));
    } catch (NoSuchFileException e) {
      throw new ConfigException("no config at " + file
          + ": run tandem init --server URL --team T --device D --token-env VAR (or pass --config)");
    } catch (IOException e) {
      throw new ConfigException("cannot read the config " + file + ": " + e.getMessage());
    }
    if (n == null || !n.isObject()) {
      throw new ConfigException("the config " + file + " is not a JSON object");
    }
    List<String> missing = new ArrayList<>();
    for (String f : new String[] {"server", "team", "device", "token"}) {
      if (!n.path(f).isTextual() || n.path(f).asText().trim().isEmpty()) {
        missing.add(f);
      }
    }
    if (!missing.isEmpty()) {
      throw new ConfigException("the config " + file + " is incomplete: missing "
          + String.join(", ", missing) + " (run tandem init again)");
    }
    URI server;
    try {
      server = parseServer(n.get("server").asText());
    } catch (IllegalArgumentException e) {
      throw new ConfigException("the config " + file + " is invalid: " + e.getMessage());
    }
    String device = n.get("device").asText();
    try {
      Ids.requireDeviceId(device);
    } catch (IllegalArgumentException e) {
      throw new ConfigException("the config " + file + " is invalid: " + e.getMessage());
    }
    return new CliConfig(server, n.get("team").asText(), device, n.get("token").asText());
  }

  /**
   * Writes this config to {@code file} atomically (a temporary file renamed over it), readable by
   * the owner only where the file system has POSIX permissions: the token is a secret.
   */
  void write(Path file) {
    ObjectNode o = Json.object();
    o.put("server", server.toString());
    o.put("team", team);
    o.put("device", device);
    o.put("token", token);
    Path abs = file.toAbsolutePath();
    try {
      Files.createDirectories(abs.getParent());
      Path tmp = abs.resolveSibling(abs.getFileName() + ".tmp");
      Files.deleteIfExists(tmp);
      boolean posix = abs.getFileSystem().supportedFileAttributeViews().contains("posix");
      if (posix) {
        // Created with 600 from the start, so the token is never readable by others, not even
        // for a moment.
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(
            PosixFilePermissions.fromString("rw-------")));
      }
      Files.write(tmp, (Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(o) + "\n")
          .getBytes(StandardCharsets.UTF_8));
      Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (AccessDeniedException e) {
      throw new UncheckedIOException("cannot write the config " + abs + ": permission denied", e);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the config " + abs + ": " + e.getMessage(), e);
    }
  }

  /**
   * Opens the local database syncing with this config's server. One-shot commands pass {@code
   * autoSync=false} and call {@code syncNow()} themselves; {@code sync watch} passes true so the
   * engine keeps the live channel open.
   */
  Tandem open(TandemCli root, boolean autoSync) {
    return open(root, autoSync, Compression.AUTO);
  }

  /** {@link #open(TandemCli, boolean)} with the request compression of {@code --compression}. */
  Tandem open(TandemCli root, boolean autoSync, Compression compression) {
    Path p = root.preparedDbPath();
    OkHttpTransport transport = OkHttpTransport.builder().baseUrl(server).token(token)
        .teamId(team).deviceId(device).compression(compression).build();
    try {
      return Tandem.builder()
          .database(p)
          .deviceId(device)
          .transport(transport)
          // Field-wise merge, text merged like git; what still conflicts goes to the later clock,
          // the same answer on every device.
          .conflictResolver(ThreeWayMerge.withFallback(LastWriteWins.byHlc()))
          .autoSync(autoSync)
          .build();
    } catch (RuntimeException e) {
      // A transport handed to the builder is closed by Tandem only once it is built.
      transport.close();
      throw e;
    }
  }

  /** What one {@code GET /health} said. */
  static final class Health {
    final boolean ok;
    final String version;
    final String error;

    Health(boolean ok, String version, String error) {
      this.ok = ok;
      this.version = version;
      this.error = error;
    }
  }

  /** What an authenticated probe said about a token. */
  static final class Auth {
    /** The HTTP status, or 0 when no answer arrived. */
    final int status;
    /** The protocol's error code and message, or the I/O error; null on success. */
    final String error;

    Auth(int status, String error) {
      this.status = status;
      this.error = error;
    }

    boolean accepted() {
      return status == 200;
    }

    /** True when the server answered that the token is wrong for this team and device. */
    boolean refused() {
      return status == 401 || status == 403;
    }
  }

  /**
   * Makes the cheapest authenticated call, {@code GET /sync/pull?limit=1}, as this config's
   * device: it reads at most one record and changes nothing on the server. Never throws.
   */
  Auth checkToken(Duration timeout) {
    HttpClient client = HttpClient.newBuilder().connectTimeout(timeout)
        .followRedirects(HttpClient.Redirect.NEVER).build();
    HttpRequest req;
    try {
      req = HttpRequest.newBuilder(URI.create(server + "/sync/pull?limit=1")).timeout(timeout)
          .header("Authorization", "Bearer " + token)
          .header("X-Team-ID", team)
          .header("X-Device-ID", device)
          .GET().build();
    } catch (IllegalArgumentException e) {
      // A header value with a line break or control character: no server would accept it.
      return new Auth(0, "the token or team holds characters that cannot be sent in a header");
    }
    try {
      HttpResponse<String> resp = client.send(req, HttpResponse.BodyHandlers.ofString());
      if (resp.statusCode() == 200) {
        return new Auth(200, null);
      }
      String detail = "";
      try {
        JsonNode e = Json.MAPPER.readTree(resp.body()).path("error");
        if (e.path("code").isTextual()) {
          detail = " " + e.path("code").asText() + ": " + e.path("message").asText("");
        }
      } catch (IOException | RuntimeException e) {
        // Not a protocol error body; the status says enough.
      }
      return new Auth(resp.statusCode(), "GET /sync/pull answered " + resp.statusCode() + detail);
    } catch (IOException e) {
      String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      return new Auth(0, "cannot reach " + server + ": " + m);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Auth(0, "interrupted");
    }
  }

  /** Asks {@code server}'s {@code /health} with a short timeout; never throws. */
  static Health health(URI server, Duration timeout) {
    HttpClient client = HttpClient.newBuilder().connectTimeout(timeout)
        .followRedirects(HttpClient.Redirect.NEVER).build();
    HttpRequest req = HttpRequest.newBuilder(URI.create(server + "/health")).timeout(timeout)
        .GET().build();
    try {
      HttpResponse<String> resp = client.send(req, HttpResponse.BodyHandlers.ofString());
      if (resp.statusCode() != 200) {
        return new Health(false, null, "GET /health answered " + resp.statusCode());
      }
      dev.tandem.sync.protocol.Health body;
      try {
        body = ProtocolCodec.readHealth(resp.body().getBytes(StandardCharsets.UTF_8));
      } catch (ProtocolException e) {
        return new Health(false, null, "GET /health did not answer JSON: is this a Tandem server?");
      }
      if (!body.isOk()) {
        return new Health(false, null, "GET /health did not say ok: is this a Tandem server?");
      }
      return new Health(true, body.version(), null);
    } catch (IOException e) {
      String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      return new Health(false, null, "cannot reach " + server + ": " + m);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Health(false, null, "interrupted");
    } catch (IllegalArgumentException e) {
      return new Health(false, null, "bad server URL " + server + ": " + e.getMessage());
    }
  }
}
