package dev.tandem.sync.spi;

/**
 * Rewrites a record's data before it leaves the device, for example to mask API keys. The local
 * copy is never changed. Must be deterministic and thread-safe.
 */
@FunctionalInterface
public interface Redactor {
  /** A redactor that changes nothing. */
  Redactor NONE = (type, id, json) -> json;

  /** Returns {@code json} with secrets masked; return the same string when nothing matched. */
  String redact(String type, String id, String json);
}
