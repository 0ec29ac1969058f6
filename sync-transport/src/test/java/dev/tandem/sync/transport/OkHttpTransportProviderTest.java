package dev.tandem.sync.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.sync.spi.Transport;
import dev.tandem.sync.spi.TransportProvider;
import java.net.URI;
import java.util.Iterator;
import java.util.ServiceLoader;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import org.junit.jupiter.api.Test;

class OkHttpTransportProviderTest {
  @Test
  void serviceLoader_findsTheProvider_whichBuildsAWorkingTransport() throws Exception {
    Iterator<TransportProvider> it = ServiceLoader.load(TransportProvider.class).iterator();
    assertTrue(it.hasNext(), "registered in META-INF/services");
    TransportProvider provider = it.next();
    assertInstanceOf(OkHttpTransportProvider.class, provider);

    try (MockWebServer server = new MockWebServer()) {
      server.enqueue(new MockResponse().setBody(
          "{\"changes\":[],\"cursor\":\"c\",\"hasMore\":false,\"serverTimestamp\":1}"));
      URI base = server.url("/p").uri();
      try (Transport transport = provider.create(base, "tok", "team-1", "dev-1")) {
        transport.pull(null, 1);
      }
      okhttp3.mockwebserver.RecordedRequest r = server.takeRequest();
      assertEquals("/p/sync/pull?limit=1", r.getPath());
      assertEquals("Bearer tok", r.getHeader("Authorization"));
      assertEquals("team-1", r.getHeader("X-Team-ID"));
      assertEquals("dev-1", r.getHeader("X-Device-ID"));
    }
  }

  @Test
  void builder_rejectsBadInput_withClearErrors() {
    URI ok = URI.create("http://127.0.0.1:1");
    assertThrows(IllegalArgumentException.class,
        () -> OkHttpTransport.builder().baseUrl(URI.create("ftp://host/x")));
    assertThrows(IllegalArgumentException.class,
        () -> OkHttpTransport.builder().baseUrl(URI.create("/relative")));
    assertThrows(IllegalArgumentException.class,
        () -> OkHttpTransport.builder().baseUrl(URI.create("http://host/x?y=1")));
    assertThrows(IllegalArgumentException.class, () -> OkHttpTransport.builder().token(""));
    assertThrows(IllegalArgumentException.class,
        () -> OkHttpTransport.builder().token("line\nbreak"));
    assertThrows(NullPointerException.class, () -> OkHttpTransport.builder().teamId(null));
    assertThrows(IllegalArgumentException.class,
        () -> OkHttpTransport.builder().readTimeout(java.time.Duration.ofSeconds(-1)));
    assertThrows(IllegalArgumentException.class,
        () -> OkHttpTransport.builder().minCompressBytes(-1));
    IllegalStateException missing = assertThrows(IllegalStateException.class,
        () -> OkHttpTransport.builder().baseUrl(ok).token("t").teamId("team").build());
    assertTrue(missing.getMessage().contains("deviceId"), missing.getMessage());
    okhttp3.OkHttpClient client = new okhttp3.OkHttpClient();
    assertThrows(IllegalStateException.class,
        () -> OkHttpTransport.builder().client(client).client(client));
  }
}
