package dev.tandem.sync.server;

import java.util.Locale;

/** How the server compresses its answers (request bodies are always taken as zstd or gzip). */
public enum ResponseCompression {
  /**
   * zstd when the client accepts it (with the shared dictionary when the client offers the same
   * one), else gzip when it accepts that. The default.
   */
  AUTO,
  /** gzip when the client accepts it, never zstd. */
  GZIP,
  /** Never compressed. */
  NONE;

  /**
   * Parses {@code auto}, {@code gzip} or {@code none}, in any case.
   *
   * @throws IllegalArgumentException naming the accepted values
   */
  public static ResponseCompression parse(String value) {
    switch (value.trim().toLowerCase(Locale.ROOT)) {
      case "auto":
        return AUTO;
      case "gzip":
        return GZIP;
      case "none":
        return NONE;
      default:
        throw new IllegalArgumentException("--compression must be auto, gzip or none, not \""
            + value + "\"");
    }
  }
}
