package dev.tandem.sync.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.luben.zstd.Zstd;
import dev.tandem.sync.protocol.ProtocolCodec;
import dev.tandem.sync.protocol.PushRequest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.Test;

/**
 * {@link Compression#AUTO}: request bodies go gzipped until the server lists zstd in a response's
 * {@code Accept-Encoding}, then as zstd; a server that then refuses zstd gets gzip again.
 */
class CompressionNegotiationTest extends MockServerTest {
  private OkHttpTransport transport(Compression c) {
    OkHttpTransport.Builder b = OkHttpTransportTest.newTransport(server.url("/").uri());
    return (c == null ? b : b.compression(c)).build();
  }

  private static MockResponse ok(String acceptEncoding) {
    MockResponse r = new MockResponse().setBody(PUSH_OK);
    return acceptEncoding == null ? r : r.setHeader("Accept-Encoding", acceptEncoding);
  }

  private RecordedRequest take() throws InterruptedException {
    RecordedRequest r = server.takeRequest(10, TimeUnit.SECONDS);
    if (r == null) {
      throw new AssertionError("no request arrived");
    }
    return r;
  }

  private static byte[] decode(RecordedRequest r, int size) throws IOException {
    byte[] body = r.getBody().readByteArray();
    String enc = r.getHeader("Content-Encoding");
    if ("zstd".equals(enc)) {
      return Zstd.decompress(body, size);
    }
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(body))) {
      return in.readAllBytes();
    }
  }

  @Test
  void byDefault_gzipFirst_thenZstdOnceTheServerSaysItTakesIt() throws Exception {
    try (OkHttpTransport t = transport(null)) {
      PushRequest request = OkHttpTransportTest.batch(20, 300);
      byte[] json = ProtocolCodec.writePushRequest(request);
      server.enqueue(ok("zstd, gzip"));
      server.enqueue(ok("zstd, gzip"));

      t.push(request);
      t.push(request);

      RecordedRequest first = take();
      assertEquals("gzip", first.getHeader("Content-Encoding"));
      assertEquals("zstd-agent-1, zstd, gzip", first.getHeader("Accept-Encoding"));
      assertArrayEquals(json, decode(first, json.length));
      RecordedRequest second = take();
      assertEquals("zstd", second.getHeader("Content-Encoding"));
      assertArrayEquals(json, decode(second, json.length));
    }
  }

  @Test
  void aServerThatNeverListsZstd_getsGzipOnly() throws Exception {
    try (OkHttpTransport t = transport(Compression.AUTO)) {
      for (String header : new String[] {null, "gzip", "zstd;q=0, gzip", "br"}) {
        server.enqueue(ok(header));
        t.push(OkHttpTransportTest.batch(20, 300));
        assertEquals("gzip", take().getHeader("Content-Encoding"), String.valueOf(header));
      }
    }
  }

  @Test
  void a415ForZstd_resendsTheBatchGzipped_andStaysOnGzip() throws Exception {
    try (OkHttpTransport t = transport(Compression.AUTO)) {
      PushRequest request = OkHttpTransportTest.batch(20, 300);
      byte[] json = ProtocolCodec.writePushRequest(request);
      server.enqueue(ok("zstd, gzip"));
      server.enqueue(new MockResponse().setResponseCode(415).setHeader("Accept-Encoding", "gzip")
          .setBody(new String(ProtocolCodec.writeError("unsupported_encoding", "no zstd"),
              java.nio.charset.StandardCharsets.UTF_8)));
      server.enqueue(ok(null));
      server.enqueue(ok(null));

      t.push(request);
      assertTrue(t.push(request).success());
      t.push(request);

      assertEquals("gzip", take().getHeader("Content-Encoding"));
      assertEquals("zstd", take().getHeader("Content-Encoding"));
      RecordedRequest resent = take();
      assertEquals("gzip", resent.getHeader("Content-Encoding"));
      assertArrayEquals(json, decode(resent, json.length));
      assertEquals("gzip", take().getHeader("Content-Encoding"));
      assertEquals(4, server.getRequestCount());
    }
  }

  @Test
  void explicitGzip_neverSwitches_andLeavesAcceptEncodingToOkHttp() throws Exception {
    try (OkHttpTransport t = transport(Compression.GZIP)) {
      server.enqueue(ok("zstd, gzip"));
      server.enqueue(ok("zstd, gzip"));
      t.push(OkHttpTransportTest.batch(20, 300));
      t.push(OkHttpTransportTest.batch(20, 300));
      for (int i = 0; i < 2; i++) {
        RecordedRequest r = take();
        assertEquals("gzip", r.getHeader("Content-Encoding"));
        assertEquals("gzip", r.getHeader("Accept-Encoding"));
      }
    }
  }

  @Test
  void explicitNone_sendsPlainEvenAfterTheServerListsZstd() throws Exception {
    try (OkHttpTransport t = transport(Compression.NONE)) {
      server.enqueue(ok("zstd, gzip"));
      server.enqueue(ok("zstd, gzip"));
      t.push(OkHttpTransportTest.batch(20, 300));
      t.push(OkHttpTransportTest.batch(20, 300));
      assertNull(take().getHeader("Content-Encoding"));
      assertNull(take().getHeader("Content-Encoding"));
    }
  }

  @Test
  void takesZstd_readsTheListAndItsWeights() {
    assertTrue(OkHttpTransport.takesZstd("zstd"));
    assertTrue(OkHttpTransport.takesZstd("gzip, ZSTD;q=0.5"));
    assertTrue(OkHttpTransport.takesZstd(" zstd ; q=1"));
    assertFalse(OkHttpTransport.takesZstd(null));
    assertFalse(OkHttpTransport.takesZstd(""));
    assertFalse(OkHttpTransport.takesZstd("gzip, br"));
    assertFalse(OkHttpTransport.takesZstd("zstd;q=0"));
    assertFalse(OkHttpTransport.takesZstd("zstd;q=0.000"));
    assertFalse(OkHttpTransport.takesZstd("zstdx"));
  }
}
