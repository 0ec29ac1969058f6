package dev.tandem.sync.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.sync.SyncException.Reason;
import dev.tandem.sync.TransportException;
import java.io.IOException;
import java.net.InetAddress;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import okhttp3.OkHttpClient;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class HttpsTest {
  private static HeldCertificate rootCa;
  private static HandshakeCertificates serverCertificates;
  private static HandshakeCertificates clientCertificates;

  private MockWebServer server;
  private OkHttpClient trustingClient;

  @BeforeAll
  static void certificates() throws IOException {
    rootCa = new HeldCertificate.Builder().certificateAuthority(0).commonName("Tandem Test CA")
        .build();
    String host = InetAddress.getByName("127.0.0.1").getCanonicalHostName();
    HeldCertificate serverCert = new HeldCertificate.Builder()
        .addSubjectAlternativeName("localhost")
        .addSubjectAlternativeName("127.0.0.1")
        .addSubjectAlternativeName(host)
        .signedBy(rootCa).build();
    serverCertificates = new HandshakeCertificates.Builder().heldCertificate(serverCert).build();
    clientCertificates = new HandshakeCertificates.Builder()
        .addTrustedCertificate(rootCa.certificate()).build();
  }

  @BeforeEach
  void start() throws IOException {
    server = new MockWebServer();
    server.useHttps(serverCertificates.sslSocketFactory(), false);
    server.start(InetAddress.getByName("127.0.0.1"), 0);
    trustingClient = new OkHttpClient.Builder()
        .sslSocketFactory(clientCertificates.sslSocketFactory(), clientCertificates.trustManager())
        .build();
  }

  @AfterEach
  void stop() throws IOException {
    server.shutdown();
    trustingClient.dispatcher().executorService().shutdown();
    trustingClient.connectionPool().evictAll();
  }

  @Test
  void https_pushAndHealth_work() throws Exception {
    assertEquals("https", server.url("/").scheme());
    try (OkHttpTransport transport = OkHttpTransportTest.newTransport(server.url("/api").uri())
        .client(trustingClient).build()) {
      server.enqueue(new MockResponse().setBody("{\"status\":\"ok\",\"protocol\":1}"));
      server.enqueue(new MockResponse().setBody(
          "{\"success\":true,\"synced\":{},\"conflicts\":[],\"errors\":[],\"cursor\":\"c-1\"}"));

      transport.health();
      assertEquals("c-1", transport.push(OkHttpTransportTest.batch(3, 600)).cursor());

      assertEquals("/api/health", server.takeRequest().getPath());
      RecordedRequest push = server.takeRequest();
      assertEquals("/api/sync/batch", push.getPath());
      assertNotNull(push.getHandshake(), "came over TLS");
      assertEquals("Bearer tok-1", push.getHeader("Authorization"));
    }
  }

  @Test
  void https_liveChannel_works() throws Exception {
    LiveChannelTest.ServerSide serverSide = new LiveChannelTest.ServerSide();
    LiveChannelTest.Recorder events = new LiveChannelTest.Recorder();
    try (OkHttpTransport transport = OkHttpTransportTest.newTransport(server.url("/").uri())
        .client(trustingClient).build()) {
      server.enqueue(new MockResponse().withWebSocketUpgrade(serverSide));

      transport.openLive("c-5", events);

      assertEquals("open", events.next());
      assertEquals("{\"type\":\"hello\",\"cursor\":\"c-5\"}", serverSide.next());
      serverSide.awaitOpen().send("{\"type\":\"changes\",\"cursor\":\"c-6\"}");
      assertEquals("changes:c-6", events.next());
    }
  }

  @Test
  void https_untrustedCertificate_isNetworkFailure_withTheTlsCause() {
    // The transport's own client trusts only the system CAs, not the test CA.
    try (OkHttpTransport transport = OkHttpTransportTest.newTransport(server.url("/").uri())
        .connectTimeout(5, TimeUnit.SECONDS).build()) {
      server.enqueue(new MockResponse().setBody("{\"status\":\"ok\"}"));

      TransportException e = assertThrows(TransportException.class, transport::health);

      assertEquals(Reason.NETWORK, e.reason());
      assertInstanceOf(SSLException.class, e.getCause());
      assertTrue(e.getMessage().startsWith("health failed"), e.getMessage());
    }
  }
}
