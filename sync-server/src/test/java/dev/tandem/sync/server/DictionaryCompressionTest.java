package dev.tandem.sync.server;

import static dev.tandem.sync.server.ServerTestSupport.assertError;
import static dev.tandem.sync.server.ServerTestSupport.batch;
import static dev.tandem.sync.server.ServerTestSupport.hlc;
import static dev.tandem.sync.server.ServerTestSupport.send;
import static dev.tandem.sync.server.ServerTestSupport.text;
import static dev.tandem.sync.server.ServerTestSupport.upsert;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdDecompressCtx;
import dev.tandem.sync.protocol.Change;
import dev.tandem.sync.protocol.ProtocolCodec;
import dev.tandem.sync.protocol.WireDictionary;
import dev.tandem.sync.server.ServerTestSupport.Device;
import java.io.ByteArrayInputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shared zstd dictionary on the server: request bodies in {@code zstd-agent-1} are read with
 * it (under the same inflated-size limit), an unknown dictionary is a 415, and answers use it
 * only for a client that offers the same dictionary; older clients get plain zstd or gzip.
 */
class DictionaryCompressionTest {
  @TempDir Path dir;
  private TandemServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  private Device start(TandemServer.Builder b) {
    server = b.port(0).dataDir(dir).adminToken("admin-secret").build().start();
    return Device.create(server, "team-1", "laptop-1");
  }

  private static byte[] withDictionary(byte[] json) {
    try (ZstdCompressCtx ctx = new ZstdCompressCtx()) {
      return ctx.loadDict(WireDictionary.bytes()).compress(json);
    }
  }

  private static byte[] undictionary(byte[] body, int size) {
    try (ZstdDecompressCtx ctx = new ZstdDecompressCtx()) {
      return ctx.loadDict(WireDictionary.bytes()).decompress(body, size);
    }
  }

  private static String message(int n) {
    return "{\"conversationId\":\"c-1\",\"role\":\"assistant\",\"content\":\"I read the file "
        + "and ran the tests; step " + n + " of the plan is done.\"}";
  }

  private List<Change> stored() {
    return server.store().changesSince("team-1", 0, 1000);
  }

  private HttpResponse<byte[]> pull(Device d, String acceptEncoding) {
    List<String> headers = new ArrayList<>(d.headers());
    headers.add("Accept-Encoding");
    headers.add(acceptEncoding);
    return send(server, "GET", "/sync/pull", null, headers.toArray(new String[0]));
  }

  /** Whether two pull pages hold the same changes (the server's timestamp differs). */
  private static boolean sameChanges(byte[] a, byte[] b) {
    List<Change> x = ProtocolCodec.readPullResponse(a).changes();
    List<Change> y = ProtocolCodec.readPullResponse(b).changes();
    if (x.size() != y.size()) {
      return false;
    }
    for (int i = 0; i < x.size(); i++) {
      if (!x.get(i).id().equals(y.get(i).id()) || !x.get(i).data().equals(y.get(i).data())) {
        return false;
      }
    }
    return true;
  }

  private void pushMessages(Device d, int n) {
    String[] changes = new String[n];
    for (int i = 0; i < n; i++) {
      changes[i] = upsert("message", "m-" + i, hlc(1 + i, 0, "laptop-1"), null, message(i));
    }
    HttpResponse<byte[]> r = d.push(batch("b-all", "laptop-1", changes)
        .getBytes(StandardCharsets.UTF_8), null);
    assertEquals(200, r.statusCode(), () -> text(r));
  }

  @Test
  void aBodyWithTheDictionary_isReadAndStored() {
    Device laptop = start(TandemServer.builder());
    String json = batch("b1", "laptop-1", upsert("message", "m-1", hlc(1, 0, "laptop-1"), null,
        message(1)));
    HttpResponse<byte[]> r = laptop.push(withDictionary(json.getBytes(StandardCharsets.UTF_8)),
        "zstd-agent-1");
    assertEquals(200, r.statusCode(), () -> text(r));
    assertEquals(message(1), stored().get(0).data());
  }

  @Test
  void anUnknownDictionary_is415_namingTheOneThisServerHas_andStoresNothing() {
    Device laptop = start(TandemServer.builder());
    byte[] body = withDictionary(batch("b1", "laptop-1", upsert("message", "m-1",
        hlc(1, 0, "laptop-1"), null, message(1))).getBytes(StandardCharsets.UTF_8));
    HttpResponse<byte[]> r = laptop.push(body, "zstd-agent-9");
    assertError(r, 415, "unsupported_encoding");
    assertTrue(text(r).contains("agent-9") && text(r).contains("agent-1"), text(r));
    assertEquals(0, stored().size());
    assertEquals(200, send(server, "GET", "/health", null).statusCode());
  }

  @Test
  void aDictionaryFrameLabelledPlainZstd_orJunk_isBadRequest() {
    Device laptop = start(TandemServer.builder());
    byte[] body = withDictionary(batch("b1", "laptop-1", upsert("message", "m-1",
        hlc(1, 0, "laptop-1"), null, message(1))).getBytes(StandardCharsets.UTF_8));
    assertError(laptop.push(body, "zstd"), 400, "bad_request");
    assertError(laptop.push("not zstd at all".getBytes(StandardCharsets.UTF_8), "zstd-agent-1"),
        400, "bad_request");
    assertEquals(0, stored().size());
  }

  @Test
  void aCompressionBombWithTheDictionary_isCutOffAtTheLimit() {
    Device laptop = start(TandemServer.builder().maxBodyBytes(1024 * 1024));
    byte[] bomb = withDictionary(new byte[64 * 1024 * 1024]);
    assertTrue(bomb.length < 1024 * 1024, "" + bomb.length);
    assertError(laptop.push(bomb, "zstd-agent-1"), 413, "payload_too_large");
    assertEquals(0, stored().size());
    assertEquals(200, send(server, "GET", "/health", null).statusCode());
  }

  @Test
  void answers_useTheDictionaryOnlyForAClientThatOffersIt() throws Exception {
    Device laptop = start(TandemServer.builder());
    pushMessages(laptop, 40);
    Device desk = Device.create(server, "team-1", "desk-2");

    HttpResponse<byte[]> d = pull(desk, "zstd-agent-1, zstd, gzip");
    assertEquals("zstd-agent-1", d.headers().firstValue("Content-Encoding").orElse(""));
    byte[] page = undictionary(d.body(), 1 << 20);
    assertEquals(40, ProtocolCodec.readPullResponse(page).changes().size());
    assertThrows(RuntimeException.class, () -> Zstd.decompress(d.body(), 1 << 20));

    // An older client: plain zstd, byte for byte the same page.
    HttpResponse<byte[]> z = pull(desk, "zstd, gzip");
    assertEquals("zstd", z.headers().firstValue("Content-Encoding").orElse(""));
    assertTrue(sameChanges(page, Zstd.decompress(z.body(), 1 << 20)));

    // A client with another dictionary, or one that refuses this one: what else it takes.
    HttpResponse<byte[]> other = pull(desk, "zstd-agent-2, gzip");
    assertEquals("gzip", other.headers().firstValue("Content-Encoding").orElse(""));
    assertTrue(sameChanges(page,
        new GZIPInputStream(new ByteArrayInputStream(other.body())).readAllBytes()));
    HttpResponse<byte[]> q0 = pull(desk, "zstd-agent-1;q=0, zstd");
    assertEquals("zstd", q0.headers().firstValue("Content-Encoding").orElse(""));
  }

  @Test
  void aOneChangePage_isCompressedWithTheDictionary_butNotWithPlainZstd() throws Exception {
    Device laptop = start(TandemServer.builder());
    pushMessages(laptop, 1);
    Device desk = Device.create(server, "team-1", "desk-2");
    HttpResponse<byte[]> plain = pull(desk, "zstd, gzip");
    assertEquals("", plain.headers().firstValue("Content-Encoding").orElse(""));
    assertTrue(plain.body().length >= 256 && plain.body().length < 1024,
        "" + plain.body().length);
    HttpResponse<byte[]> d = pull(desk, "zstd-agent-1, zstd, gzip");
    assertEquals("zstd-agent-1", d.headers().firstValue("Content-Encoding").orElse(""));
    assertTrue(d.body().length < plain.body().length / 2, "" + d.body().length);
    assertTrue(sameChanges(plain.body(), undictionary(d.body(), 1 << 20)));
  }

  @Test
  void gzipResponseCompression_neverAnswersWithTheDictionary() {
    Device laptop = start(TandemServer.builder().responseCompression(ResponseCompression.GZIP));
    pushMessages(laptop, 40);
    HttpResponse<byte[]> r = pull(Device.create(server, "team-1", "desk-2"),
        "zstd-agent-1, zstd, gzip");
    assertEquals("gzip", r.headers().firstValue("Content-Encoding").orElse(""));
  }

  @Test
  void everyAnswer_listsTheDictionaryFirst() {
    Device laptop = start(TandemServer.builder());
    assertEquals("zstd-agent-1, zstd, gzip",
        laptop.pull(null).headers().firstValue("Accept-Encoding").orElse(""));
    HttpResponse<byte[]> refused = laptop.push(new byte[] {1, 2}, "zstd-agent-7");
    assertEquals(415, refused.statusCode());
    assertEquals("zstd-agent-1, zstd, gzip",
        refused.headers().firstValue("Accept-Encoding").orElse(""));
  }
}
