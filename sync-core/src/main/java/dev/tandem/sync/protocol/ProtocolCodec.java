package dev.tandem.sync.protocol;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.StreamReadConstraints;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Reads and writes the protocol's JSON bodies with Jackson's streaming API.
 *
 * <p>A change's {@code data} object is neither parsed into a tree nor re-serialized: the reader
 * checks it in one pass and slices its exact bytes out of the body, and the writer copies its
 * UTF-8 bytes back verbatim. That keeps the wire lossless (numbers as written, key order, unknown
 * fields) and keeps large syncs cheap. Push requests and pull pages, the bodies that carry
 * records, are read by a reader of their own ({@code BodyReader}) that accepts no more than
 * Jackson's defaults; the other bodies by Jackson's streaming parser.
 *
 * <p>Unknown fields are skipped, as the protocol requires. Readers throw {@link
 * ProtocolException} with code {@code bad_request} for anything that is not the protocol.
 */
public final class ProtocolCodec {
  private static final JsonFactory FACTORY =
      JsonFactory.builder()
          .streamReadConstraints(
              StreamReadConstraints.builder().maxStringLength(Integer.MAX_VALUE).build())
          .build();

  private ProtocolCodec() {}

  // ---- push request ----

  public static byte[] writePushRequest(PushRequest request) {
    return write(sizeHint(request.changes()), g -> writePushRequest(g, request));
  }

  /** Writes a push request to {@code out}, which the caller closes. */
  public static void writePushRequest(PushRequest request, OutputStream out) {
    try (JsonGenerator g = FACTORY.createGenerator(out, JsonEncoding.UTF8)) {
      g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
      writePushRequest(g, request);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void writePushRequest(JsonGenerator g, PushRequest request) throws IOException {
    g.writeStartObject();
    g.writeStringField("batchId", request.batchId());
    g.writeStringField("deviceId", request.deviceId());
    g.writeArrayFieldStart("changes");
    for (Change c : request.changes()) {
      writeChange(g, c);
    }
    g.writeEndArray();
    g.writeEndObject();
  }

  /**
   * Reads a push request. Entries whose fields have the wrong JSON type are kept with those
   * fields null, so that the server can reject them one by one.
   *
   * @throws ProtocolException if the body is not a JSON object of the right shape
   */
  public static PushRequest readPushRequest(byte[] body) {
    requireBody(body);
    return BodyReader.readPushRequest(body);
  }

  // ---- push response ----

  public static byte[] writePushResponse(PushResponse r) {
    return write(g -> {
      g.writeStartObject();
      g.writeBooleanField("success", r.success());
      g.writeObjectFieldStart("synced");
      for (Map.Entry<String, Integer> e : r.synced().entrySet()) {
        g.writeNumberField(e.getKey(), e.getValue());
      }
      g.writeEndObject();
      g.writeArrayFieldStart("conflicts");
      for (PushResponse.Conflict c : r.conflicts()) {
        g.writeStartObject();
        g.writeStringField("type", c.type());
        g.writeStringField("id", c.id());
        g.writeStringField("resolution", c.resolution());
        g.writeStringField("winnerHlc", c.winnerHlc());
        if (c.current() != null) {
          g.writeFieldName("current");
          writeChange(g, c.current());
        }
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeArrayFieldStart("errors");
      for (PushResponse.EntryError e : r.errors()) {
        g.writeStartObject();
        g.writeStringField("type", e.type());
        g.writeStringField("id", e.id());
        g.writeStringField("code", e.code());
        g.writeStringField("message", e.message());
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeStringField("cursor", r.cursor());
      g.writeEndObject();
    });
  }

  public static PushResponse readPushResponse(byte[] body) {
    return read(body, p -> {
      expect(p, p.nextToken(), JsonToken.START_OBJECT, "body");
      boolean success = false;
      Map<String, Integer> synced = new LinkedHashMap<>();
      List<PushResponse.Conflict> conflicts = new ArrayList<>();
      List<PushResponse.EntryError> errors = new ArrayList<>();
      String cursor = null;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.getCurrentName();
        JsonToken t = p.nextToken();
        switch (name) {
          case "success":
            success = t == JsonToken.VALUE_TRUE;
            break;
          case "synced":
            expect(p, t, JsonToken.START_OBJECT, "synced");
            while (p.nextToken() == JsonToken.FIELD_NAME) {
              String type = p.getCurrentName();
              p.nextToken();
              synced.put(type, p.getValueAsInt());
            }
            break;
          case "conflicts":
            expect(p, t, JsonToken.START_ARRAY, "conflicts");
            while (p.nextToken() == JsonToken.START_OBJECT) {
              conflicts.add(readConflict(p, body));
            }
            break;
          case "errors":
            expect(p, t, JsonToken.START_ARRAY, "errors");
            while (p.nextToken() == JsonToken.START_OBJECT) {
              Map<String, String> f = readFlatStrings(p);
              errors.add(new PushResponse.EntryError(f.get("type"), f.get("id"), f.get("code"),
                  f.get("message")));
            }
            break;
          case "cursor":
            cursor = t == JsonToken.VALUE_NULL ? null : p.getValueAsString();
            break;
          default:
            p.skipChildren();
        }
      }
      return new PushResponse(success, synced, conflicts, errors, cursor);
    });
  }

  // ---- pull response ----

  public static byte[] writePullResponse(PullResponse r) {
    return write(sizeHint(r.changes()), g -> {
      g.writeStartObject();
      g.writeArrayFieldStart("changes");
      for (Change c : r.changes()) {
        writeChange(g, c);
      }
      g.writeEndArray();
      g.writeStringField("cursor", r.cursor());
      g.writeBooleanField("hasMore", r.hasMore());
      g.writeNumberField("serverTimestamp", r.serverTimestamp());
      g.writeEndObject();
    });
  }

  /**
   * Reads a pull page.
   *
   * @throws ProtocolException if the body is not a JSON object of the right shape
   */
  public static PullResponse readPullResponse(byte[] body) {
    requireBody(body);
    return BodyReader.readPullResponse(body);
  }

  // ---- health ----

  /** Returns the health body, {@code {"status":..., "version":..., "protocol":...}}. */
  public static byte[] writeHealth(Health h) {
    return write(g -> {
      g.writeStartObject();
      g.writeStringField("status", h.status());
      if (h.version() != null) {
        g.writeStringField("version", h.version());
      }
      g.writeNumberField("protocol", h.protocol());
      g.writeEndObject();
    });
  }

  /**
   * Reads a health body; fields of the wrong JSON type read as absent.
   *
   * @throws ProtocolException if the body is not a JSON object
   */
  public static Health readHealth(byte[] body) {
    return read(body, p -> {
      expect(p, p.nextToken(), JsonToken.START_OBJECT, "body");
      String status = null;
      String version = null;
      int protocol = 0;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.getCurrentName();
        JsonToken t = p.nextToken();
        if ("status".equals(name) && t == JsonToken.VALUE_STRING) {
          status = p.getText();
        } else if ("version".equals(name) && t == JsonToken.VALUE_STRING) {
          version = p.getText();
        } else if ("protocol".equals(name) && t == JsonToken.VALUE_NUMBER_INT) {
          protocol = p.getIntValue();
        } else {
          p.skipChildren();
        }
      }
      return new Health(status, version, protocol);
    });
  }

  // ---- live frames ----

  /**
   * Returns the text of a live-channel frame, {@code {"type":..., "cursor":...}}; the cursor is
   * left out when null.
   */
  public static String writeFrame(FrameType type, @Nullable String cursor) {
    byte[] json = write(g -> {
      g.writeStartObject();
      g.writeStringField("type", type.wireName());
      if (cursor != null) {
        g.writeStringField("cursor", cursor);
      }
      g.writeEndObject();
    });
    return new String(json, StandardCharsets.UTF_8);
  }

  // ---- errors ----

  /** Returns {@code {"error": {"code": ..., "message": ...}}}. */
  public static byte[] writeError(ErrorCode code, String message) {
    return writeError(code.wireName(), message);
  }

  /** Returns {@code {"error": {"code": ..., "message": ...}}}. */
  public static byte[] writeError(String code, String message) {
    return write(g -> {
      g.writeStartObject();
      g.writeObjectFieldStart("error");
      g.writeStringField("code", code);
      g.writeStringField("message", message);
      g.writeEndObject();
      g.writeEndObject();
    });
  }

  /** Reads an error body; returns null if the body is not one. */
  public static @Nullable ChangeError readError(byte[] body) {
    try {
      return read(body, p -> {
        expect(p, p.nextToken(), JsonToken.START_OBJECT, "body");
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String name = p.getCurrentName();
          JsonToken t = p.nextToken();
          if ("error".equals(name) && t == JsonToken.START_OBJECT) {
            Map<String, String> f = readFlatStrings(p);
            if (f.get("code") != null) {
              return new ChangeError(f.get("code"),
                  f.get("message") == null ? "" : f.get("message"));
            }
          } else {
            p.skipChildren();
          }
        }
        return null;
      });
    } catch (ProtocolException e) {
      return null;
    }
  }

  // ---- shared ----

  private static void writeChange(JsonGenerator g, Change c) throws IOException {
    g.writeStartObject();
    g.writeStringField("type", c.type());
    g.writeStringField("id", c.id());
    g.writeStringField("op", c.op());
    g.writeStringField("hlc", c.hlc());
    if (c.baseHlc() != null) {
      g.writeStringField("baseHlc", c.baseHlc());
    }
    if (c.seq() > 0) {
      g.writeNumberField("seq", c.seq());
    }
    if (c.deviceId() != null) {
      g.writeStringField("deviceId", c.deviceId());
    }
    if (c.ifBase()) {
      g.writeBooleanField("ifBase", true);
    }
    if (c.data() != null) {
      g.writeFieldName("data");
      g.writeRawValue(new RawJson(c.data()));
    }
    g.writeEndObject();
  }

  private static Change readChange(JsonParser p, byte[] body) throws IOException {
    String type = null;
    String id = null;
    String op = null;
    String hlc = null;
    String baseHlc = null;
    String data = null;
    String deviceId = null;
    long seq = 0;
    boolean ifBase = false;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.getCurrentName();
      JsonToken t = p.nextToken();
      switch (name) {
        case "type":
          type = stringOrNull(p, t);
          break;
        case "id":
          id = stringOrNull(p, t);
          break;
        case "op":
          op = stringOrNull(p, t);
          break;
        case "hlc":
          hlc = stringOrNull(p, t);
          break;
        case "baseHlc":
          baseHlc = stringOrNull(p, t);
          break;
        case "deviceId":
          deviceId = stringOrNull(p, t);
          break;
        case "seq":
          seq = t == JsonToken.VALUE_NUMBER_INT ? p.getLongValue() : 0;
          break;
        case "ifBase":
          ifBase = t == JsonToken.VALUE_TRUE;
          break;
        case "data":
          if (t == JsonToken.START_OBJECT) {
            int start = (int) p.currentTokenLocation().getByteOffset();
            p.skipChildren();
            int end = (int) p.currentLocation().getByteOffset();
            data = new String(body, start, end - start, StandardCharsets.UTF_8);
          } else {
            // Wrong JSON type: remembered as an empty marker so validation rejects this entry.
            p.skipChildren();
            data = t == JsonToken.VALUE_NULL ? null : "";
          }
          break;
        default:
          p.skipChildren();
      }
    }
    Change c = new Change(type, id, op, hlc, baseHlc, data, seq, deviceId);
    return ifBase ? c.withIfBase(true) : c;
  }

  private static String stringOrNull(JsonParser p, JsonToken t) throws IOException {
    if (t == JsonToken.VALUE_STRING) {
      return p.getText();
    }
    p.skipChildren();
    return null;
  }

  private static PushResponse.Conflict readConflict(JsonParser p, byte[] body)
      throws IOException {
    Map<String, String> f = new LinkedHashMap<>();
    Change current = null;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.getCurrentName();
      JsonToken t = p.nextToken();
      if ("current".equals(name) && t == JsonToken.START_OBJECT) {
        current = readChange(p, body);
      } else if (t.isScalarValue() && t != JsonToken.VALUE_NULL) {
        f.put(name, p.getValueAsString());
      } else {
        p.skipChildren();
      }
    }
    return new PushResponse.Conflict(f.get("type"), f.get("id"), f.get("resolution"),
        f.get("winnerHlc"), current);
  }

  private static Map<String, String> readFlatStrings(JsonParser p) throws IOException {
    Map<String, String> fields = new LinkedHashMap<>();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.getCurrentName();
      JsonToken t = p.nextToken();
      if (t.isScalarValue() && t != JsonToken.VALUE_NULL) {
        fields.put(name, p.getValueAsString());
      } else {
        p.skipChildren();
      }
    }
    return fields;
  }

  private static String requireString(JsonParser p, JsonToken t, String field) throws IOException {
    if (t == JsonToken.VALUE_NULL) {
      return null;
    }
    if (t != JsonToken.VALUE_STRING) {
      throw new ProtocolException(ErrorCode.BAD_REQUEST, field + " must be a string");
    }
    return p.getText();
  }

  private static void expect(JsonParser p, JsonToken actual, JsonToken expected, String what) {
    if (actual != expected) {
      throw new ProtocolException(ErrorCode.BAD_REQUEST,
          what + " must be a JSON " + (expected == JsonToken.START_ARRAY ? "array" : "object"));
    }
  }

  private interface Reader<T> {
    T read(JsonParser p) throws IOException;
  }

  private interface Writer {
    void write(JsonGenerator g) throws IOException;
  }

  private static void requireBody(byte[] body) {
    if (body == null || body.length == 0) {
      throw new ProtocolException(ErrorCode.BAD_REQUEST, "empty body");
    }
  }

  private static <T> T read(byte[] body, Reader<T> reader) {
    requireBody(body);
    try (JsonParser p = FACTORY.createParser(body)) {
      T value = reader.read(p);
      return value;
    } catch (ProtocolException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      throw new ProtocolException(ErrorCode.BAD_REQUEST,
          "malformed JSON: " + firstLine(e.getMessage()), e);
    }
  }

  private static byte[] write(Writer writer) {
    return write(256, writer);
  }

  private static byte[] write(int sizeHint, Writer writer) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(sizeHint);
    try (JsonGenerator g = FACTORY.createGenerator(out, JsonEncoding.UTF8)) {
      writer.write(g);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /**
   * About the JSON size of {@code changes}, so that a body of a thousand records is not copied
   * through a dozen doublings of its buffer; a record's fields besides its data take ~150 bytes.
   */
  private static int sizeHint(List<Change> changes) {
    long size = 256;
    for (Change c : changes) {
      size += 160 + (c.data() == null ? 0 : c.data().length());
    }
    return (int) Math.min(size, 64L << 20);
  }

  /**
   * A record's data for {@link JsonGenerator#writeRawValue(SerializableString)}: its UTF-8 bytes
   * are copied into the generator's buffer in one piece, where {@code writeRawValue(String)}
   * would copy the text to chars and encode them one at a time. For ASCII text (most records:
   * the JDK's encoding is then a copy) that is ~40 % less CPU per record; for text with other
   * characters ~10 % more (measured in {@code CodecCpu}). Only the unquoted forms are used for a
   * raw value.
   */
  private static final class RawJson implements SerializableString {
    private final String text;
    private final byte[] utf8;

    RawJson(String text) {
      this.text = text;
      this.utf8 = text.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String getValue() {
      return text;
    }

    @Override
    public int charLength() {
      return text.length();
    }

    @Override
    public byte[] asUnquotedUTF8() {
      return utf8;
    }

    @Override
    public int appendUnquotedUTF8(byte[] buffer, int offset) {
      if (offset + utf8.length > buffer.length) {
        return -1;
      }
      System.arraycopy(utf8, 0, buffer, offset, utf8.length);
      return utf8.length;
    }

    @Override
    public int appendUnquoted(char[] buffer, int offset) {
      if (offset + text.length() > buffer.length) {
        return -1;
      }
      text.getChars(0, text.length(), buffer, offset);
      return text.length();
    }

    @Override
    public int writeUnquotedUTF8(OutputStream out) throws IOException {
      out.write(utf8);
      return utf8.length;
    }

    @Override
    public int putUnquotedUTF8(ByteBuffer buffer) {
      if (utf8.length > buffer.remaining()) {
        return -1;
      }
      buffer.put(utf8);
      return utf8.length;
    }

    // A raw value is never quoted: these would mean the generator changed how it writes one.
    @Override
    public char[] asQuotedChars() {
      throw new UnsupportedOperationException("raw JSON is not quoted");
    }

    @Override
    public byte[] asQuotedUTF8() {
      throw new UnsupportedOperationException("raw JSON is not quoted");
    }

    @Override
    public int appendQuotedUTF8(byte[] buffer, int offset) {
      throw new UnsupportedOperationException("raw JSON is not quoted");
    }

    @Override
    public int appendQuoted(char[] buffer, int offset) {
      throw new UnsupportedOperationException("raw JSON is not quoted");
    }

    @Override
    public int writeQuotedUTF8(OutputStream out) {
      throw new UnsupportedOperationException("raw JSON is not quoted");
    }

    @Override
    public int putQuotedUTF8(ByteBuffer buffer) {
      throw new UnsupportedOperationException("raw JSON is not quoted");
    }
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "unreadable";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
