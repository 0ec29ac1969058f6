package dev.tandem.sync.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tandem.sync.SyncException.Reason;
import dev.tandem.sync.TransportException;
import dev.tandem.sync.protocol.ProtocolCodec;
import dev.tandem.sync.protocol.PushResponse;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import okhttp3.mockwebserver.SocketPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Several server URLs: a call that cannot reach one goes on to the next, which stays in use. */
class FailoverTest {
  private static final String PUSH_OK = new String(ProtocolCodec.writePushResponse(
      new PushResponse(true, Collections.singletonMap("message", 1),
          Collections.emptyList(), Collections.emptyList(), "c-7")), StandardCharsets.UTF_8);
  private static final String HEALTH_OK = "{\"status\":\"ok\",\"protocol\":1}";

  private MockWebServer first;
  private MockWebServer second;

  @BeforeEach
  void start() throws IOException {
    first = new MockWebServer();
    second = new MockWebServer();
    first.start();
    second.start();
  }

  @AfterEach
  void stop() throws IOException {
    first.shutdown();
    second.shutdown();
  }

  /** A local port nothing listens on: connecting is refused at once. */
  private static URI deadServer() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return URI.create("http://127.0.0.1:" + s.getLocalPort() + "/");
    }
  }

  private static String body(RecordedRequest r) throws IOException {
    byte[] bytes = r.getBody().readByteArray();
    if ("gzip".equals(r.getHeader("Content-Encoding"))) {
      bytes = OkHttpTransportTest.gunzip(bytes);
    }
    return new String(bytes, StandardCharsets.UTF_8);
  }

  @Test
  void unreachableFirstServer_theCallGoesToTheNext_whichStaysInUse() throws Exception {
    URI dead = deadServer();
    second.enqueue(new MockResponse().setBody(PUSH_OK));
    second.enqueue(new MockResponse().setBody(HEALTH_OK));
    try (OkHttpTransport t = OkHttpTransportTest.newTransport(dead)
        .baseUrls(Arrays.asList(dead, second.url("/").uri())).build()) {
      assertEquals(dead, t.baseUrl());
      PushResponse r = t.push(OkHttpTransportTest.batch(1, 1));
      assertEquals("c-7", r.cursor());
      assertEquals(second.url("/").uri(), t.baseUrl());
      t.health();
      assertEquals(2, second.getRequestCount());
      RecordedRequest push = second.takeRequest();
      assertEquals("/sync/batch", push.getPath());
      assertEquals("Bearer tok-1", push.getHeader("Authorization"));
    }
  }

  @Test
  void serverDroppingTheConnectionMidCall_theSameBatchIsSentToTheNext() throws Exception {
    first.enqueue(new MockResponse().setSocketPolicy(SocketPolicy.DISCONNECT_AFTER_REQUEST));
    second.enqueue(new MockResponse().setBody(PUSH_OK));
    try (OkHttpTransport t = OkHttpTransportTest.newTransport(first.url("/").uri())
        .baseUrls(Arrays.asList(first.url("/").uri(), second.url("/").uri())).build()) {
      t.push(OkHttpTransportTest.batch(1, 1));
      // The same batch id, so a node that stored it before dying answers it as a replay.
      String sentFirst = body(first.takeRequest());
      String sentSecond = body(second.takeRequest());
      assertEquals(sentFirst, sentSecond);
    }
  }

  @Test
  void anAnswerIsNotFailedOver_onlyAnUnreachableServerIs() throws Exception {
    first.enqueue(new MockResponse().setResponseCode(401)
        .setBody(OkHttpTransportTest.errorJson("unauthorized", "no")));
    try (OkHttpTransport t = OkHttpTransportTest.newTransport(first.url("/").uri())
        .baseUrls(Arrays.asList(first.url("/").uri(), second.url("/").uri())).build()) {
      TransportException e = assertThrows(TransportException.class,
          () -> t.pull(null, 10));
      assertEquals(401, e.httpStatus());
      assertEquals(0, second.getRequestCount());
      assertEquals(first.url("/").uri(), t.baseUrl());
    }
  }

  @Test
  void everyServerUnreachable_isOneNetworkFailure_andTheNextCallStartsOver() throws Exception {
    URI a = deadServer();
    URI b = deadServer();
    try (OkHttpTransport t = OkHttpTransportTest.newTransport(a)
        .baseUrls(Arrays.asList(a, b)).build()) {
      TransportException e = assertThrows(TransportException.class, t::health);
      assertEquals(Reason.NETWORK, e.reason());
      assertEquals(a, t.baseUrl());
    }
  }

  @Test
  void emptyList_isRefused() {
    assertThrows(IllegalArgumentException.class,
        () -> OkHttpTransport.builder().baseUrls(Collections.emptyList()));
  }
}
