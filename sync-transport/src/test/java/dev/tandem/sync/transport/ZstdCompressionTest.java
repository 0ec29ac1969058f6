package dev.tandem.sync.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.github.luben.zstd.Zstd;
import dev.tandem.sync.SyncException.Reason;
import dev.tandem.sync.TransportException;
import dev.tandem.sync.protocol.ProtocolCodec;
import dev.tandem.sync.protocol.PullResponse;
import dev.tandem.sync.protocol.PushRequest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPOutputStream;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import okio.Buffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ZstdCompressionTest {
  private MockWebServer server;
  private OkHttpTransport transport;

  @BeforeEach
  void start() throws IOException {
    server = new MockWebServer();
    server.start();
    transport = OkHttpTransportTest.newTransport(server.url("/").uri())
        .compression(Compression.ZSTD).build();
  }

  @AfterEach
  void stop() throws IOException {
    transport.close();
    server.shutdown();
  }

  private static byte[] pullPage() {
    return ProtocolCodec.writePullResponse(new PullResponse(
        OkHttpTransportTest.batch(40, 100).changes(), "c-40", false, 9));
  }

  @Test
  void push_sendsZstdBody_andAsksForZstdOrGzip() throws Exception {
    server.enqueue(new MockResponse().setBody(
        "{\"success\":true,\"synced\":{},\"conflicts\":[],\"errors\":[],\"cursor\":\"c\"}"));
    PushRequest request = OkHttpTransportTest.batch(20, 300);

    transport.push(request);

    RecordedRequest recorded = server.takeRequest();
    assertEquals("zstd", recorded.getHeader("Content-Encoding"));
    assertEquals("zstd-agent-1, zstd, gzip", recorded.getHeader("Accept-Encoding"));
    byte[] sent = recorded.getBody().readByteArray();
    byte[] json = ProtocolCodec.writePushRequest(request);
    assertArrayEquals(json, Zstd.decompress(sent, json.length));
  }

  @Test
  void pull_decodesZstdResponse() {
    byte[] json = pullPage();
    server.enqueue(new MockResponse().setHeader("Content-Encoding", "zstd")
        .setBody(new Buffer().write(Zstd.compress(json))));

    PullResponse page = transport.pull(null, 100);

    assertEquals(40, page.changes().size());
    assertEquals("c-40", page.cursor());
  }

  @Test
  void pull_decodesGzipResponse_whenZstdWasOffered() throws Exception {
    ByteArrayOutputStream zipped = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(zipped)) {
      gz.write(pullPage());
    }
    server.enqueue(new MockResponse().setHeader("Content-Encoding", "gzip")
        .setBody(new Buffer().write(zipped.toByteArray())));

    assertEquals("c-40", transport.pull(null, 100).cursor());
  }

  @Test
  void pull_readsPlainResponse() {
    server.enqueue(new MockResponse().setBody(new Buffer().write(pullPage())));

    assertEquals("c-40", transport.pull(null, 100).cursor());
  }

  @Test
  void errorBody_inZstd_isDecodedForTheErrorCode() {
    byte[] error = ProtocolCodec.writeError("too_large", "batch too large");
    server.enqueue(new MockResponse().setResponseCode(413).setHeader("Content-Encoding", "zstd")
        .setBody(new Buffer().write(Zstd.compress(error))));

    TransportException e = assertThrows(TransportException.class,
        () -> transport.push(OkHttpTransportTest.batch(1, 1)));

    assertEquals(Reason.PAYLOAD_TOO_LARGE, e.reason());
    assertEquals("too_large", e.errorCode());
  }

  @Test
  void unknownResponseEncoding_isProtocolError() {
    server.enqueue(new MockResponse().setHeader("Content-Encoding", "br").setBody("xx"));

    TransportException e = assertThrows(TransportException.class, () -> transport.pull(null, 1));

    assertEquals(Reason.PROTOCOL, e.reason());
  }

  @Test
  void smallBody_goesPlain() throws Exception {
    server.enqueue(new MockResponse().setBody(
        "{\"success\":true,\"synced\":{},\"conflicts\":[],\"errors\":[],\"cursor\":\"c\"}"));

    transport.push(OkHttpTransportTest.batch(1, 1));

    RecordedRequest recorded = server.takeRequest();
    assertNull(recorded.getHeader("Content-Encoding"));
    assertEquals(new String(ProtocolCodec.writePushRequest(OkHttpTransportTest.batch(1, 1)),
        StandardCharsets.UTF_8), recorded.getBody().readUtf8());
  }
}
