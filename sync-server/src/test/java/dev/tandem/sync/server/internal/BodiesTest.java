package dev.tandem.sync.server.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.github.luben.zstd.Zstd;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

/**
 * Reading a body into a buffer sized from its announced length: the bytes come out the same
 * whether the announcement is right, short, long or absent, and the limit holds either way.
 */
class BodiesTest {
  private static byte[] bytes(int n) {
    byte[] b = new byte[n];
    new Random(n).nextBytes(b);
    return b;
  }

  /** Hands out at most seven bytes a call, as a slow network would. */
  private static InputStream trickling(byte[] b) {
    return new ByteArrayInputStream(b) {
      @Override
      public synchronized int read(byte[] buf, int off, int len) {
        return super.read(buf, off, Math.min(len, 7));
      }
    };
  }

  @Test
  void readAll_returnsTheBytes_whateverTheAnnouncedSize() throws IOException {
    for (int n : new int[] {0, 1, 8191, 8192, 8193, 100_000, Bodies.MAX_FIRST_BUFFER + 3}) {
      byte[] body = bytes(n);
      for (long announced : new long[] {0, n, n / 2, n + 1, 2L * n + 10, Long.MAX_VALUE}) {
        assertArrayEquals(body, Bodies.readAll(trickling(body), announced), n + "/" + announced);
      }
    }
  }

  @Test
  void read_inflatesGzipAndZstd_andKeepsTheLimit() throws IOException {
    byte[] body = "{\"batchId\":\"b\",\"changes\":[]}".repeat(500).getBytes();
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
      out.write(body);
    }
    byte[] zstd = Zstd.compress(body, 3);
    assertArrayEquals(body, Bodies.read(new ByteArrayInputStream(gz.toByteArray()), "gzip",
        gz.size(), 1 << 20));
    assertArrayEquals(body, Bodies.read(new ByteArrayInputStream(zstd), "zstd", zstd.length,
        1 << 20));
    assertArrayEquals(body, Bodies.read(new ByteArrayInputStream(body), null, body.length,
        1 << 20));
    // Inflated past the limit: refused while reading, whatever the compressed size announced.
    ApiException e = assertThrows(ApiException.class, () -> Bodies.read(
        new ByteArrayInputStream(zstd), "zstd", zstd.length, body.length - 1));
    assertEquals(413, e.status());
    e = assertThrows(ApiException.class, () -> Bodies.read(new ByteArrayInputStream(body), "",
        -1, body.length - 1));
    assertEquals(413, e.status());
  }
}
