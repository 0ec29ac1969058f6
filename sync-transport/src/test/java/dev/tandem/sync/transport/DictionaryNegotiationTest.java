package dev.tandem.sync.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdDecompressCtx;
import dev.tandem.sync.SyncException.Reason;
import dev.tandem.sync.TransportException;
import dev.tandem.sync.protocol.Change;
import dev.tandem.sync.protocol.ProtocolCodec;
import dev.tandem.sync.protocol.PullResponse;
import dev.tandem.sync.protocol.PushRequest;
import dev.tandem.sync.protocol.WireDictionary;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.RecordedRequest;
import okio.Buffer;
import org.junit.jupiter.api.Test;

/**
 * The shared zstd dictionary ({@link WireDictionary}): offered on every request, used for request
 * bodies only once a server lists its coding, dropped to plain zstd on a 415, and decoded in
 * responses. A server that does not know it (an older one) gets plain zstd.
 */
class DictionaryNegotiationTest extends MockServerTest {
  private static final String WITH_DICTIONARY = "zstd-agent-1, zstd, gzip";

  private OkHttpTransport transport(Compression c) {
    return OkHttpTransportTest.newTransport(server.url("/").uri()).compression(c).build();
  }

  private static MockResponse ok(String acceptEncoding) {
    return new MockResponse().setBody(PUSH_OK).setHeader("Accept-Encoding", acceptEncoding);
  }

  private static MockResponse refused() {
    return new MockResponse().setResponseCode(415).setHeader("Accept-Encoding", WITH_DICTIONARY)
        .setBody(new String(ProtocolCodec.writeError("unsupported_encoding", "no dictionary"),
            StandardCharsets.UTF_8));
  }

  private RecordedRequest take() throws InterruptedException {
    RecordedRequest r = server.takeRequest(10, TimeUnit.SECONDS);
    if (r == null) {
      throw new AssertionError("no request arrived");
    }
    return r;
  }

  private static byte[] undictionary(byte[] body, int size) {
    try (ZstdDecompressCtx ctx = new ZstdDecompressCtx()) {
      return ctx.loadDict(WireDictionary.bytes()).decompress(body, size);
    }
  }

  @Test
  void everyRequestOffersTheDictionary_andBatchesUseItOnceTheServerListsIt() throws Exception {
    try (OkHttpTransport t = transport(Compression.AUTO)) {
      PushRequest request = OkHttpTransportTest.batch(20, 300);
      byte[] json = ProtocolCodec.writePushRequest(request);
      server.enqueue(ok(WITH_DICTIONARY));
      server.enqueue(ok(WITH_DICTIONARY));

      t.push(request);
      t.push(request);

      RecordedRequest first = take();
      assertEquals(WITH_DICTIONARY, first.getHeader("Accept-Encoding"));
      assertEquals("gzip", first.getHeader("Content-Encoding"));
      RecordedRequest second = take();
      assertEquals("zstd-agent-1", second.getHeader("Content-Encoding"));
      byte[] sent = second.getBody().readByteArray();
      assertArrayEquals(json, undictionary(sent, json.length));
      // Without the dictionary the frame does not decode: it really was used.
      assertThrows(RuntimeException.class, () -> Zstd.decompress(sent, json.length));
    }
  }

  @Test
  void aServerThatListsOnlyZstd_anOlderOne_getsPlainZstd() throws Exception {
    try (OkHttpTransport t = transport(Compression.AUTO)) {
      for (int i = 0; i < 3; i++) {
        server.enqueue(ok("zstd, gzip"));
        t.push(OkHttpTransportTest.batch(20, 300));
      }
      assertEquals("gzip", take().getHeader("Content-Encoding"));
      assertEquals("zstd", take().getHeader("Content-Encoding"));
      assertEquals("zstd", take().getHeader("Content-Encoding"));
    }
  }

  @Test
  void aServerWithAnotherDictionary_getsPlainZstd() throws Exception {
    try (OkHttpTransport t = transport(Compression.AUTO)) {
      for (int i = 0; i < 3; i++) {
        server.enqueue(ok("zstd-agent-2, zstd, gzip"));
        t.push(OkHttpTransportTest.batch(20, 300));
      }
      take();
      assertEquals("zstd", take().getHeader("Content-Encoding"));
      assertEquals("zstd", take().getHeader("Content-Encoding"));
    }
  }

  @Test
  void a415ForTheDictionary_resendsAsPlainZstd_andNeverTriesItAgain() throws Exception {
    try (OkHttpTransport t = transport(Compression.AUTO)) {
      PushRequest request = OkHttpTransportTest.batch(20, 300);
      byte[] json = ProtocolCodec.writePushRequest(request);
      server.enqueue(ok(WITH_DICTIONARY));
      server.enqueue(refused());
      server.enqueue(ok(WITH_DICTIONARY));
      server.enqueue(ok(WITH_DICTIONARY));

      t.push(request);
      assertTrue(t.push(request).success());
      t.push(request);

      assertEquals("gzip", take().getHeader("Content-Encoding"));
      assertEquals("zstd-agent-1", take().getHeader("Content-Encoding"));
      RecordedRequest resent = take();
      assertEquals("zstd", resent.getHeader("Content-Encoding"));
      assertArrayEquals(json, Zstd.decompress(resent.getBody().readByteArray(), json.length));
      // The server still lists the dictionary; whatever refused it (a proxy) is still there.
      assertEquals("zstd", take().getHeader("Content-Encoding"));
      assertEquals(4, server.getRequestCount());
    }
  }

  @Test
  void a415ForTheDictionaryAndThenForZstd_endsOnGzip_inAuto() throws Exception {
    try (OkHttpTransport t = transport(Compression.AUTO)) {
      PushRequest request = OkHttpTransportTest.batch(20, 300);
      server.enqueue(ok(WITH_DICTIONARY));
      server.enqueue(refused());
      server.enqueue(refused());
      server.enqueue(ok(WITH_DICTIONARY));

      t.push(request);
      assertTrue(t.push(request).success());

      take();
      assertEquals("zstd-agent-1", take().getHeader("Content-Encoding"));
      assertEquals("zstd", take().getHeader("Content-Encoding"));
      assertEquals("gzip", take().getHeader("Content-Encoding"));
    }
  }

  @Test
  void explicitZstd_usesTheDictionaryWhenListed_andFallsBackToZstdOn415() throws Exception {
    try (OkHttpTransport t = transport(Compression.ZSTD)) {
      server.enqueue(ok(WITH_DICTIONARY));
      server.enqueue(ok(WITH_DICTIONARY));
      server.enqueue(refused());
      server.enqueue(refused());

      t.push(OkHttpTransportTest.batch(20, 300));
      t.push(OkHttpTransportTest.batch(20, 300));
      TransportException e = assertThrows(TransportException.class,
          () -> t.push(OkHttpTransportTest.batch(20, 300)));

      assertEquals(415, e.httpStatus());
      assertEquals("zstd", take().getHeader("Content-Encoding"));
      assertEquals("zstd-agent-1", take().getHeader("Content-Encoding"));
      // ZSTD never goes down to gzip: refused as dictionary, then as plain zstd, it fails.
      assertEquals("zstd-agent-1", take().getHeader("Content-Encoding"));
      assertEquals("zstd", take().getHeader("Content-Encoding"));
    }
  }

  @Test
  void explicitGzip_neverOffersTheDictionary() throws Exception {
    try (OkHttpTransport t = transport(Compression.GZIP)) {
      server.enqueue(ok(WITH_DICTIONARY));
      server.enqueue(ok(WITH_DICTIONARY));
      t.push(OkHttpTransportTest.batch(20, 300));
      t.push(OkHttpTransportTest.batch(20, 300));
      for (int i = 0; i < 2; i++) {
        RecordedRequest r = take();
        assertEquals("gzip", r.getHeader("Accept-Encoding"));
        assertEquals("gzip", r.getHeader("Content-Encoding"));
      }
    }
  }

  @Test
  void aPullPageWithTheDictionary_isDecoded() {
    List<Change> changes = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      changes.add(new Change("message", "m-" + i, Change.UPSERT, "0192f3a4b5c6-0001-desk-2",
          null, "{\"content\":\"reply " + i + "\"}", i + 1, "desk-2"));
    }
    byte[] json = ProtocolCodec.writePullResponse(new PullResponse(changes, "c-40", false, 1L));
    byte[] body;
    try (ZstdCompressCtx ctx = new ZstdCompressCtx()) {
      body = ctx.loadDict(WireDictionary.bytes()).compress(json);
    }
    server.enqueue(new MockResponse().setHeader("Content-Encoding", "zstd-agent-1")
        .setBody(new Buffer().write(body)));

    try (OkHttpTransport t = transport(Compression.AUTO)) {
      PullResponse page = t.pull(null, 100);
      assertEquals(40, page.changes().size());
      assertEquals("{\"content\":\"reply 39\"}", page.changes().get(39).data());
    }
  }

  @Test
  void aResponseWithAnUnknownDictionary_isAProtocolError_notACrash() {
    server.enqueue(new MockResponse().setHeader("Content-Encoding", "zstd-agent-9")
        .setBody("xx"));
    try (OkHttpTransport t = transport(Compression.AUTO)) {
      TransportException e = assertThrows(TransportException.class, () -> t.pull(null, 1));
      assertEquals(Reason.PROTOCOL, e.reason());
    }
  }

  @Test
  void withTheDictionary_bodiesFrom256BytesAreCompressed_unlessTheHostSetItsOwnThreshold()
      throws Exception {
    PushRequest small = OkHttpTransportTest.batch(1, 400);
    int size = ProtocolCodec.writePushRequest(small).length;
    assertTrue(size >= 256 && size < 1024, "" + size);
    PushRequest tiny = OkHttpTransportTest.batch(1, 10);
    assertTrue(ProtocolCodec.writePushRequest(tiny).length < 256);
    try (OkHttpTransport t = transport(Compression.AUTO)) {
      for (int i = 0; i < 3; i++) {
        server.enqueue(ok(WITH_DICTIONARY));
      }
      t.push(small);
      t.push(small);
      t.push(tiny);
      assertEquals(null, take().getHeader("Content-Encoding"));
      assertEquals("zstd-agent-1", take().getHeader("Content-Encoding"));
      assertEquals(null, take().getHeader("Content-Encoding"));
    }
    try (OkHttpTransport t = OkHttpTransportTest.newTransport(server.url("/").uri())
        .minCompressBytes(1024).build()) {
      server.enqueue(ok(WITH_DICTIONARY));
      server.enqueue(ok(WITH_DICTIONARY));
      t.push(small);
      t.push(small);
      take();
      assertEquals(null, take().getHeader("Content-Encoding"));
    }
  }

  @Test
  void takes_readsTheDictionaryCodingAndItsWeight() {
    assertTrue(OkHttpTransport.takes(WITH_DICTIONARY, "zstd-agent-1"));
    assertEquals(false, OkHttpTransport.takes("zstd-agent-1;q=0, zstd", "zstd-agent-1"));
    assertEquals(false, OkHttpTransport.takes("zstd, gzip", "zstd-agent-1"));
    assertTrue(OkHttpTransport.takesZstd(WITH_DICTIONARY));
  }
}
