package dev.tandem.sync.protocol;

import org.jspecify.annotations.Nullable;

/** A change's {@code op}: what happened to the record. */
public enum Op {
  /** The record was created or changed; the change carries its data. */
  UPSERT("upsert"),
  /** The record was deleted; the change carries no data. */
  DELETE("delete");

  private final String wire;

  Op(String wire) {
    this.wire = wire;
  }

  /** Returns the wire name, {@code upsert} or {@code delete}. */
  public String wireName() {
    return wire;
  }

  /** Returns the op of a record version: {@link #DELETE} for a tombstone. */
  public static Op of(boolean deleted) {
    return deleted ? DELETE : UPSERT;
  }

  /** Returns the op with this wire name, or null if it is neither. */
  public static @Nullable Op fromWire(@Nullable String wireName) {
    if (UPSERT.wire.equals(wireName)) {
      return UPSERT;
    }
    return DELETE.wire.equals(wireName) ? DELETE : null;
  }

  @Override
  public String toString() {
    return wire;
  }
}
