package dev.tandem.sync.server.internal;

import com.github.luben.zstd.Zstd;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.zip.GZIPOutputStream;

/** Response compression: zstd if the client accepts it (the protocol's preference), else gzip. */
public final class ResponseEncoding {
  private ResponseEncoding() {}

  /** Returns {@code zstd}, {@code gzip} or null, from an {@code Accept-Encoding} header. */
  public static String choose(String acceptEncoding) {
    return choose(acceptEncoding, true);
  }

  /** {@link #choose(String)}, never {@code zstd} unless {@code zstd} is true. */
  public static String choose(String acceptEncoding, boolean zstd) {
    if (acceptEncoding == null) {
      return null;
    }
    boolean gzip = false;
    for (String part : acceptEncoding.toLowerCase(Locale.ROOT).split(",")) {
      String[] fields = part.trim().split(";");
      String name = fields[0].trim();
      boolean refused = fields.length > 1 && fields[1].trim().matches("q=0(\\.0*)?");
      if (refused) {
        continue;
      }
      if (zstd && name.equals("zstd")) {
        return "zstd";
      }
      gzip |= name.equals("gzip");
    }
    return gzip ? "gzip" : null;
  }

  public static byte[] encode(byte[] body, String encoding) {
    if (encoding.equals("zstd")) {
      // Level 1: on pull pages it took half the CPU of level 3 (0.45 vs 0.93 ms for 226 KB)
      // and came out no larger; see benchmarks/results/server.md.
      return Zstd.compress(body, 1);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(body.length / 4 + 64);
    // Level 1: pull pages are large and compressed on the request thread; speed wins over
    // the last ~10% of size.
    try (GZIPOutputStream gz = new GZIPOutputStream(out) {
      {
        def.setLevel(java.util.zip.Deflater.BEST_SPEED);
      }
    }) {
      gz.write(body);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}
