package dev.tandem.sync.spi;

/**
 * Rewrites a record's data before it leaves the device, for example to mask API keys. The local
 * copy is never changed. Must be deterministic and thread-safe, and should keep the document's
 * structure (mask inside string values), so that the engine can recognise its own masks when they
 * come back in another device's edit. The default is
 * {@link dev.tandem.sync.redact.Redactors#defaults()}.
 */
@FunctionalInterface
public interface Redactor {
  /** A redactor that changes nothing. */
  Redactor NONE = (type, id, json) -> json;

  /** Returns {@code json} with secrets masked; return the same string when nothing matched. */
  String redact(String type, String id, String json);
}
