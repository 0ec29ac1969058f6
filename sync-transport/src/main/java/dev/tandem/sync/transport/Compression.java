package dev.tandem.sync.transport;

/** How {@link OkHttpTransport} compresses the bodies it sends. Responses are always accepted gzipped. */
public enum Compression {
  /** Bodies go uncompressed. */
  NONE,
  /**
   * Bodies at least {@link OkHttpTransport.Builder#minCompressBytes(int)} long go gzipped, with
   * {@code Content-Encoding: gzip}. The default.
   */
  GZIP
}
