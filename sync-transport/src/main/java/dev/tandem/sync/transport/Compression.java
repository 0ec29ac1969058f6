package dev.tandem.sync.transport;

/**
 * How {@link OkHttpTransport} compresses the bodies it sends. Bodies shorter than {@link
 * OkHttpTransport.Builder#minCompressBytes(int)} always go plain.
 */
public enum Compression {
  /**
   * zstd whenever both sides have it, gzip otherwise. The default. With zstd-jni (and its native
   * library) on the classpath, the transport asks for zstd or gzip responses, and sends request
   * bodies as zstd once a server's answer has listed zstd in its {@code Accept-Encoding} header
   * (the codings it takes in requests, RFC 7694); until then, and without zstd-jni, as gzip. A
   * server that refuses a zstd body with 415 gets it again gzipped, and gzip from then on.
   *
   * <p>With zstd, the transport also offers the dictionary trained on agent history that ships
   * in tandem-sync-core ({@code WireDictionary}, coding {@code zstd-agent-1}), and uses it for
   * requests once a server lists that coding; a 415 for such a body sends it again as plain
   * zstd, and plain zstd from then on.
   */
  AUTO,
  /** Bodies go uncompressed. Responses may still come gzipped. */
  NONE,
  /** Bodies go gzipped, with {@code Content-Encoding: gzip}. Needs nothing extra. */
  GZIP,
  /**
   * Bodies go as zstd, with {@code Content-Encoding: zstd}, and responses are accepted as zstd or
   * gzip. Smaller and faster than gzip, but needs {@code com.github.luben:zstd-jni} (a JNI
   * library, an optional dependency of this module) on the classpath, with a native build for
   * the platform: {@link OkHttpTransport.Builder#build()} fails if it cannot load. Uses the
   * dictionary as {@link #AUTO} does, when the server lists it.
   */
  ZSTD
}
