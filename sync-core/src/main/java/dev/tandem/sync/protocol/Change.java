package dev.tandem.sync.protocol;

import dev.tandem.sync.Hlc;
import dev.tandem.sync.Ids;
import dev.tandem.sync.Record;
import java.util.Objects;

/**
 * One change on the wire (PROTOCOL.md, "Records on the wire"). Fields are kept as received so
 * that the server can report a precise per-entry error; {@link #validate(long)} checks them.
 *
 * <p>{@code data} is the raw JSON text of the record's data object, byte for byte as sent.
 * {@code seq} and {@code deviceId} are set only on changes served by a pull.
 */
public final class Change {
  public static final String UPSERT = "upsert";
  public static final String DELETE = "delete";

  private final String type;
  private final String id;
  private final String op;
  private final String hlc;
  private final String baseHlc;
  private final String data;
  private final long seq;
  private final String deviceId;
  private final boolean ifBase;

  public Change(String type, String id, String op, String hlc, String baseHlc, String data,
      long seq, String deviceId) {
    this(type, id, op, hlc, baseHlc, data, seq, deviceId, false);
  }

  private Change(String type, String id, String op, String hlc, String baseHlc, String data,
      long seq, String deviceId, boolean ifBase) {
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

  /** Returns the change that carries {@code record}, with the base version it was edited from. */
  public static Change of(Record record, Hlc baseHlc) {
    return new Change(record.type(), record.id(), record.deleted() ? DELETE : UPSERT,
        record.hlc().toString(), baseHlc == null ? null : baseHlc.toString(), record.json(), 0,
        null);
  }

  public String type() {
    return type;
  }

  public String id() {
    return id;
  }

  /** Returns {@link #UPSERT} or {@link #DELETE} (or whatever was sent, before validation). */
  public String op() {
    return op;
  }

  public String hlc() {
    return hlc;
  }

  /** Returns the clock of the version the sender last saw, or null for a create. */
  public String baseHlc() {
    return baseHlc;
  }

  /** Returns the raw JSON object text of the data, or null for a delete. */
  public String data() {
    return data;
  }

  /** Returns the server sequence number, or 0 when not served by a pull. */
  public long seq() {
    return seq;
  }

  /** Returns the origin device id, or null when not served by a pull. */
  public String deviceId() {
    return deviceId;
  }

  public boolean isDelete() {
    return DELETE.equals(op);
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
  public Change withSeq(long newSeq, String originDevice) {
    return new Change(type, id, op, hlc, baseHlc, data, newSeq, originDevice);
  }

  /**
   * Returns the first problem with this change, or null if it is valid.
   *
   * @param maxDataBytes the largest accepted data size in UTF-8 bytes (approximated by chars x 3
   *     only when needed)
   */
  public ChangeError validate(long maxDataBytes) {
    if (!Ids.isValidType(type)) {
      return new ChangeError("invalid_type", "type must match [a-z][a-z0-9_]{0,63}");
    }
    if (!Ids.isValidId(id)) {
      return new ChangeError("invalid_id", "id " + Ids.ID_RULE);
    }
    if (!UPSERT.equals(op) && !DELETE.equals(op)) {
      return new ChangeError("invalid_op", "op must be \"upsert\" or \"delete\"");
    }
    try {
      Hlc.parse(hlc);
      if (baseHlc != null) {
        Hlc.parse(baseHlc);
      }
    } catch (RuntimeException e) {
      return new ChangeError("invalid_hlc", e.getMessage());
    }
    if (UPSERT.equals(op)) {
      if (data == null || data.isEmpty() || data.charAt(0) != '{') {
        return new ChangeError("invalid_data", "an upsert needs a JSON object in data");
      }
      if (data.length() > maxDataBytes
          || (data.length() * 3L > maxDataBytes && dev.tandem.sync.internal.Utf8.length(data) > maxDataBytes)) {
        return new ChangeError("record_too_large",
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
  public boolean equals(Object o) {
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
