package dev.tandem.sync.transport;

/**
 * How {@link OkHttpTransport} compresses the bodies it sends. Bodies shorter than {@link
 * OkHttpTransport.Builder#minCompressBytes(int)} always go plain.
 */
public enum Compression {
  /** Bodies go uncompressed. Responses may still come gzipped. */
  NONE,
  /** Bodies go gzipped, with {@code Content-Encoding: gzip}. The default; needs nothing extra. */
  GZIP,
  /**
   * Bodies go as zstd, with {@code Content-Encoding: zstd}, and responses are accepted as zstd or
   * gzip. Smaller and faster than gzip, but needs {@code com.github.luben:zstd-jni} (a JNI
   * library, an optional dependency of this module) on the classpath, with a native build for
   * the platform: {@link OkHttpTransport.Builder#build()} fails if it cannot load.
   */
  ZSTD
}
