package dev.tandem.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.sync.Tandem;
import dev.tandem.sync.transport.Compression;
import dev.tandem.sync.transport.OkHttpTransport;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.Test;

/**
 * Against the reference server, a transport left at its default compression sends its batches
 * as zstd with the shared dictionary (the server lists it in every answer's {@code
 * Accept-Encoding}), and a device that
 * asks for gzip keeps gzip; both sync the same data.
 */
class CompressionNegotiationSyncTest extends ClusterTest {
  private final List<String> pushEncodings = new CopyOnWriteArrayList<>();
  private final List<OkHttpClient> clients = new CopyOnWriteArrayList<>();

  /** The transport leaves a host's own client alone; the host (this test) closes its pool. */
  @org.junit.jupiter.api.AfterEach
  void closeClients() {
    for (OkHttpClient c : clients) {
      c.connectionPool().evictAll();
      c.dispatcher().executorService().shutdown();
    }
  }

  private Tandem device(String id, Compression compression) {
    OkHttpClient client = new OkHttpClient.Builder().addNetworkInterceptor(chain -> {
      if (chain.request().url().encodedPath().endsWith("/sync/batch")) {
        pushEncodings.add(id + ":" + chain.request().header("Content-Encoding"));
      }
      return chain.proceed(chain.request());
    }).build();
    clients.add(client);
    OkHttpTransport.Builder tb = OkHttpTransport.builder().baseUrl(cluster.uri())
        .token(cluster.server().createToken(Cluster.TEAM, id)).teamId(Cluster.TEAM)
        .deviceId(id).client(client);
    if (compression != null) {
      tb.compression(compression);
    }
    return Tandem.builder().database(dir.resolve(id + ".db")).deviceId(id)
        .transport(tb.build()).autoSync(false).build();
  }

  private static void write(Tandem t, String prefix, int n) {
    t.batch(b -> {
      for (int i = 0; i < n; i++) {
        b.put("message", prefix + i, "{\"conversationId\":\"c\",\"content\":\"a message with "
            + "enough text to be worth compressing, number " + i + "\"}");
      }
    });
  }

  @Test
  void byDefault_batchesGoAsZstd_andWithGzipChosen_asGzip() {
    try (Tandem a = device("a", null); Tandem b = device("b", Compression.GZIP);
        Tandem c = device("c", null)) {
      write(a, "a-", 150);
      assertTrue(a.syncNow().ok());
      write(a, "a2-", 150);
      assertTrue(a.syncNow().ok());
      write(b, "b-", 150);
      assertTrue(b.syncNow().ok());

      // zstd with the shared dictionary: both sides have agent-1.
      assertEquals(List.of("a:zstd-agent-1", "a:zstd-agent-1", "b:gzip"), pushEncodings);
      assertEquals(450, c.syncNow().pulled());
      assertEquals(a.store().get("message", "a2-7").current().json(),
          c.store().get("message", "a2-7").current().json());
      assertFalse(c.store().get("message", "b-149").current().deleted());
    }
  }
}
