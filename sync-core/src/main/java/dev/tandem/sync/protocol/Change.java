package dev.tandem.sync.protocol;

import dev.tandem.sync.Hlc;
import dev.tandem.sync.Ids;
import dev.tandem.sync.Record;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One change on the wire (PROTOCOL.md, "Records on the wire"). Fields are kept as received so
 * that the server can report a precise per-entry error; {@link #validate(long)} checks them.
 *
 * <p>{@code data} is the raw JSON text of the record's data object, byte for byte as sent.
 * {@code seq} and {@code deviceId} are set only on changes served by a pull.
 */
public final class Change {
  /** The wire name of {@link Op#UPSERT}. */
  public static final String UPSERT = Op.UPSERT.wireName();
  /** The wire name of {@link Op#DELETE}. */
  public static final String DELETE = Op.DELETE.wireName();

  private final @Nullable String type;
  private final @Nullable String id;
  private final @Nullable String op;
  private final @Nullable String hlc;
  private final @Nullable String baseHlc;
  private final @Nullable String data;
  private final long seq;
  private final @Nullable String deviceId;
  private final boolean ifBase;

  public Change(@Nullable String type, @Nullable String id, @Nullable String op,
      @Nullable String hlc, @Nullable String baseHlc, @Nullable String data, long seq,
      @Nullable String deviceId) {
    this(type, id, op, hlc, baseHlc, data, seq, deviceId, false);
  }

  private Change(@Nullable String type, @Nullable String id, @Nullable String op,
      @Nullable String hlc, @Nullable String baseHlc, @Nullable String data, long seq,
      @Nullable String deviceId, boolean ifBase) {
    this.ifBase = ifBase;
    this.type = type;
    this.id = id;
    this.op = op;
    this.hlc = hlc;
    this.baseHlc = baseHlc;
    this.data = data;
    this.seq = seq;
    this.deviceId = deviceId;
  }

  public @Nullable String type() {
    return type;
  }

  public @Nullable String id() {
    return id;
  }

  /** Returns {@link #UPSERT} or {@link #DELETE} (or whatever was sent, before validation). */
  public @Nullable String op() {
    return op;
  }

  public @Nullable String hlc() {
    return hlc;
  }

  /** Returns the clock of the version the sender last saw, or null for a create. */
  public @Nullable String baseHlc() {
    return baseHlc;
  }

  /** Returns the raw JSON object text of the data, or null for a delete. */
  public @Nullable String data() {
    return data;
  }

  /** Returns the server sequence number, or 0 when not served by a pull. */
  public long seq() {
    return seq;
  }

  /** Returns the origin device id, or null when not served by a pull. */
  public @Nullable String deviceId() {
    return deviceId;
  }

  public boolean isDelete() {
    return DELETE.equals(op);
  }

  /** Returns the op, or null if what was sent is neither {@code upsert} nor {@code delete}. */
  public @Nullable Op opType() {
    return Op.fromWire(op);
  }

  /**
   * Whether the sender asks the server to store this change only if the version it holds is
   * {@link #baseHlc()} (none, for a null base); otherwise the server answers with the version
   * it holds, to merge with. Sent by devices whose resolver merges from a common base.
   */
  public boolean ifBase() {
    return ifBase;
  }

  /** Returns a copy with {@link #ifBase()} set to {@code on}. */
  public Change withIfBase(boolean on) {
    return new Change(type, id, op, hlc, baseHlc, data, seq, deviceId, on);
  }

  /** Returns a copy carrying the server's sequence number and origin device. */
  public Change withSeq(long newSeq, @Nullable String originDevice) {
    return new Change(type, id, op, hlc, baseHlc, data, newSeq, originDevice);
  }

  /**
   * Returns the first problem with this change, or null if it is valid.
   *
   * @param maxDataBytes the largest accepted data size in UTF-8 bytes (approximated by chars x 3
   *     only when needed)
   */
  public @Nullable ChangeError validate(long maxDataBytes) {
    if (!Ids.isValidType(type)) {
      return new ChangeError(ErrorCode.INVALID_TYPE, "type must match [a-z][a-z0-9_]{0,63}");
    }
    if (!Ids.isValidId(id)) {
      return new ChangeError(ErrorCode.INVALID_ID, "id " + Ids.ID_RULE);
    }
    if (Op.fromWire(op) == null) {
      return new ChangeError(ErrorCode.INVALID_OP, "op must be \"upsert\" or \"delete\"");
    }
    try {
      Hlc.parse(hlc);
      if (baseHlc != null) {
        Hlc.parse(baseHlc);
      }
    } catch (RuntimeException e) {
      return new ChangeError(ErrorCode.INVALID_HLC, e.getMessage());
    }
    if (UPSERT.equals(op)) {
      if (data == null || data.isEmpty() || data.charAt(0) != '{') {
        return new ChangeError(ErrorCode.INVALID_DATA, "an upsert needs a JSON object in data");
      }
      if (data.length() > maxDataBytes
          || (data.length() * 3L > maxDataBytes && dev.tandem.sync.internal.Utf8.length(data) > maxDataBytes)) {
        return new ChangeError(ErrorCode.RECORD_TOO_LARGE,
            "data exceeds the limit of " + maxDataBytes + " bytes");
      }
    }
    return null;
  }

  /** Returns the record this change describes. Call only on a valid change. */
  public Record toRecord() {
    Hlc h = Hlc.parse(hlc);
    return isDelete() ? Record.tombstone(type, id, h) : Record.of(type, id, h, data);
  }

  @Override
  public boolean equals(@Nullable Object o) {
    if (!(o instanceof Change)) {
      return false;
    }
    Change c = (Change) o;
    return seq == c.seq && Objects.equals(type, c.type) && Objects.equals(id, c.id)
        && Objects.equals(op, c.op) && Objects.equals(hlc, c.hlc)
        && Objects.equals(baseHlc, c.baseHlc) && Objects.equals(data, c.data)
        && Objects.equals(deviceId, c.deviceId) && ifBase == c.ifBase;
  }

  @Override
  public int hashCode() {
    return Objects.hash(type, id, op, hlc, baseHlc, data, seq, deviceId);
  }

  @Override
  public String toString() {
    return "Change{" + type + "/" + id + " " + op + " @" + hlc + (seq > 0 ? " seq=" + seq : "")
        + "}";
  }
}
