package dev.tandem.sync.transport.internal;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdDictCompress;
import com.github.luben.zstd.ZstdDictDecompress;
import com.github.luben.zstd.ZstdInputStream;
import dev.tandem.sync.protocol.WireDictionary;
import java.io.IOException;
import java.io.InputStream;

/**
 * The only class that touches zstd-jni, an optional dependency: nothing loads it unless {@code
 * Compression.ZSTD} was chosen or {@link ZstdAvailability} found zstd-jni for {@code
 * Compression.AUTO}.
 */
public final class ZstdCodec {
  /** zstd's default level: most of the ratio at a fraction of the higher levels' CPU. */
  private static final int LEVEL = 3;

  private ZstdCodec() {}

  /**
   * Checks that zstd-jni is on the classpath and its native library loads.
   *
   * @throws IllegalStateException if not, saying which dependency is missing
   */
  public static void requireAvailable() {
    requireAvailable(ZstdCodec.class.getClassLoader());
  }

  static void requireAvailable(ClassLoader loader) {
    try {
      Class.forName("com.github.luben.zstd.Zstd", false, loader);
    } catch (ClassNotFoundException | LinkageError e) {
      throw new IllegalStateException("Compression.ZSTD needs com.github.luben:zstd-jni on the "
          + "classpath (an optional dependency of tandem-sync-transport)", e);
    }
    try {
      compress(new byte[1]);
    } catch (LinkageError e) {
      throw new IllegalStateException("Compression.ZSTD: zstd-jni has no native library for this "
          + "platform; use Compression.GZIP", e);
    }
  }

  public static byte[] compress(byte[] bytes) {
    return Zstd.compress(bytes, LEVEL);
  }

  public static InputStream decompress(InputStream in) throws IOException {
    return new ZstdInputStream(in);
  }

  /** Compresses with {@link WireDictionary}, for {@code Content-Encoding: zstd-agent-1}. */
  public static byte[] compressWithDictionary(byte[] bytes) {
    try (ZstdCompressCtx ctx = new ZstdCompressCtx()) {
      return ctx.loadDict(Dictionaries.COMPRESS).compress(bytes);
    }
  }

  /** Decompresses a body compressed with {@link WireDictionary}. */
  public static InputStream decompressWithDictionary(InputStream in) throws IOException {
    return new ZstdInputStream(in).setDict(Dictionaries.DECOMPRESS);
  }

  /**
   * The dictionary digested once for each direction (digesting takes about as long as
   * compressing a large body); both are read-only and shared by every call.
   */
  private static final class Dictionaries {
    static final ZstdDictCompress COMPRESS = new ZstdDictCompress(WireDictionary.bytes(), LEVEL);
    static final ZstdDictDecompress DECOMPRESS = new ZstdDictDecompress(WireDictionary.bytes());
  }
}
