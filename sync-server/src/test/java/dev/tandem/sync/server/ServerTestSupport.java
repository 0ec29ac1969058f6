package dev.tandem.sync.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.tandem.sync.protocol.ChangeError;
import dev.tandem.sync.protocol.ProtocolCodec;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Small helpers shared by the server tests: raw HTTP calls against a real server. */
final class ServerTestSupport {
  static final HttpClient HTTP =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

  private ServerTestSupport() {}

  static String hlc(long wall, int counter, String device) {
    return String.format("%012x-%04x-%s", wall, counter, device);
  }

  static String upsert(String type, String id, String hlc, String base, String data) {
    return "{\"type\":\"" + type + "\",\"id\":\"" + id + "\",\"op\":\"upsert\",\"hlc\":\"" + hlc
        + "\"" + (base == null ? "" : ",\"baseHlc\":\"" + base + "\"") + ",\"data\":" + data + "}";
  }

  static String delete(String type, String id, String hlc, String base) {
    return "{\"type\":\"" + type + "\",\"id\":\"" + id + "\",\"op\":\"delete\",\"hlc\":\"" + hlc
        + "\"" + (base == null ? "" : ",\"baseHlc\":\"" + base + "\"") + "}";
  }

  static String batch(String batchId, String device, String... changes) {
    return "{\"batchId\":\"" + batchId + "\",\"deviceId\":\"" + device + "\",\"changes\":["
        + String.join(",", changes) + "]}";
  }

  /** A device's identity on a server. */
  record Device(TandemServer server, String team, String device, String token) {
    static Device create(TandemServer server, String team, String device) {
      return new Device(server, team, device, server.createToken(team, device));
    }

    HttpResponse<byte[]> push(String body) {
      return push(body.getBytes(StandardCharsets.UTF_8), null);
    }

    HttpResponse<byte[]> push(byte[] body, String encoding) {
      List<String> headers = new ArrayList<>(headers());
      if (encoding != null) {
        headers.add("Content-Encoding");
        headers.add(encoding);
      }
      return send(server, "POST", "/sync/batch", body, headers.toArray(new String[0]));
    }

    HttpResponse<byte[]> pull(String query) {
      return send(server, "GET", "/sync/pull" + (query == null ? "" : "?" + query), null,
          headers().toArray(new String[0]));
    }

    List<String> headers() {
      return List.of("Authorization", "Bearer " + token, "X-Team-ID", team, "X-Device-ID",
          device);
    }
  }

  static HttpResponse<byte[]> send(TandemServer server, String method, String path, byte[] body,
      String... headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.uri() + path))
        .timeout(Duration.ofSeconds(30))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofByteArray(body));
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    try {
      return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static String text(HttpResponse<byte[]> r) {
    return new String(r.body(), StandardCharsets.UTF_8);
  }

  /** Asserts the status and the protocol error code of an error response. */
  static void assertError(HttpResponse<byte[]> r, int status, String code) {
    assertEquals(status, r.statusCode(), () -> "body: " + text(r));
    ChangeError e = ProtocolCodec.readError(r.body());
    assertNotNull(e, () -> "not an error body: " + text(r));
    assertEquals(code, e.code(), () -> "body: " + text(r));
    assertEquals("application/json", r.headers().firstValue("Content-Type").orElse("")
        .split(";")[0]);
  }
}
