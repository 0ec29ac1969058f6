package dev.tandem.sync.server.internal;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdDictCompress;
import dev.tandem.sync.protocol.WireDictionary;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.zip.GZIPOutputStream;

/**
 * Response compression: with the shared dictionary ({@link WireDictionary#CODING}) if the client
 * offers the same one, else zstd if it accepts it (the protocol's preference), else gzip.
 */
public final class ResponseEncoding {
  /**
   * The codings this server takes in request bodies, for every answer's {@code Accept-Encoding}
   * (RFC 7694): clients switch to the best they share with it.
   */
  public static final String TAKES = WireDictionary.CODING + ", zstd, gzip";
  /**
   * Level 3 with the dictionary: at level 1 it made held-out pull pages of 500 larger than plain
   * zstd level 1 (83.9 % saved against 84.3 %); at level 3 they save 85.4 % (BENCHMARKS.md,
   * "zstd dictionary").
   */
  private static final int DICTIONARY_LEVEL = 3;

  private ResponseEncoding() {}

  /** The dictionary digested once; read-only, shared by every request thread. */
  private static final class Dictionary {
    static final ZstdDictCompress COMPRESS =
        new ZstdDictCompress(WireDictionary.bytes(), DICTIONARY_LEVEL);
  }

  /**
   * Returns {@link WireDictionary#CODING}, {@code zstd}, {@code gzip} or null, from an {@code
   * Accept-Encoding} header.
   */
  public static String choose(String acceptEncoding) {
    return choose(acceptEncoding, true);
  }

  /** {@link #choose(String)}, never zstd (with the dictionary or not) unless {@code zstd}. */
  public static String choose(String acceptEncoding, boolean zstd) {
    if (acceptEncoding == null) {
      return null;
    }
    boolean gzip = false;
    boolean plainZstd = false;
    for (String part : acceptEncoding.toLowerCase(Locale.ROOT).split(",")) {
      String[] fields = part.trim().split(";");
      String name = fields[0].trim();
      boolean refused = fields.length > 1 && fields[1].trim().matches("q=0(\\.0*)?");
      if (refused) {
        continue;
      }
      if (zstd && name.equals(WireDictionary.CODING) && WireDictionary.isAvailable()) {
        return WireDictionary.CODING;
      }
      plainZstd |= zstd && name.equals("zstd");
      gzip |= name.equals("gzip");
    }
    return plainZstd ? "zstd" : gzip ? "gzip" : null;
  }

  /**
   * Returns the smallest body worth compressing in {@code encoding}: {@code otherwise}, or 256
   * bytes with the dictionary, which shrinks even a one-change pull page.
   */
  public static int minBytes(String encoding, int otherwise) {
    return encoding.equals(WireDictionary.CODING) ? Math.min(256, otherwise) : otherwise;
  }

  public static byte[] encode(byte[] body, String encoding) {
    if (encoding.equals(WireDictionary.CODING)) {
      try (ZstdCompressCtx ctx = new ZstdCompressCtx()) {
        return ctx.loadDict(Dictionary.COMPRESS).compress(body);
      }
    }
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
