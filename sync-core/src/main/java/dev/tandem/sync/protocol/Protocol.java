package dev.tandem.sync.protocol;

/** Constants of the protocol as a whole. */
public final class Protocol {
  /** The protocol version this code speaks, as in the health body's {@code protocol}. */
  public static final int VERSION = 1;

  private Protocol() {}

  /**
   * Returns the in-memory key of a record: its type and id joined by a NUL, which neither a valid
   * type nor a valid id can hold, so two different records never share a key. Never stored or
   * sent; client and server use it alike for maps of records.
   */
  public static String recordKey(String type, String id) {
    return type + '\0' + id;
  }
}
