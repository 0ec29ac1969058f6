package dev.tandem.sync.transport.internal;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** The small JSON objects of the live channel and {@code /health}. */
public final class Frames {
  private static final JsonFactory FACTORY = new JsonFactory();

  private Frames() {}

  /** A frame reduced to the fields the client uses. Unknown fields are ignored. */
  public static final class Frame {
    public final String type;
    public final String cursor;

    Frame(String type, String cursor) {
      this.type = type;
      this.cursor = cursor;
    }
  }

  /** Returns {@code {"type":"hello","cursor":...}}; a null cursor goes as "" (from the start). */
  public static String hello(String cursor) {
    return write("hello", cursor == null ? "" : cursor);
  }

  public static String ping() {
    return "{\"type\":\"ping\"}";
  }

  public static String pong() {
    return "{\"type\":\"pong\"}";
  }

  /** Returns the frame, or null if {@code text} is not a JSON object. */
  public static Frame read(String text) {
    try (JsonParser p = FACTORY.createParser(text)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      String type = null;
      String cursor = null;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken t = p.nextToken();
        if (("type".equals(name) || "cursor".equals(name)) && t == JsonToken.VALUE_STRING) {
          if ("type".equals(name)) {
            type = p.getText();
          } else {
            cursor = p.getText();
          }
        } else {
          p.skipChildren();
        }
      }
      return new Frame(type, cursor);
    } catch (IOException e) {
      return null;
    }
  }

  /** Health of a {@code /health} body. */
  public static final class Health {
    public final String status;
    /** The protocol version, or 0 when absent. */
    public final int protocol;

    Health(String status, int protocol) {
      this.status = status;
      this.protocol = protocol;
    }
  }

  /** Returns the health body's fields, or null if the body is not a JSON object. */
  public static Health readHealth(byte[] body) {
    try (JsonParser p = FACTORY.createParser(body)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      String status = null;
      int protocol = 0;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken t = p.nextToken();
        if ("status".equals(name) && t == JsonToken.VALUE_STRING) {
          status = p.getText();
        } else if ("protocol".equals(name) && t == JsonToken.VALUE_NUMBER_INT) {
          protocol = p.getIntValue();
        } else {
          p.skipChildren();
        }
      }
      return new Health(status, protocol);
    } catch (IOException e) {
      return null;
    }
  }

  private static String write(String type, String cursor) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(64);
    try (JsonGenerator g = FACTORY.createGenerator(out, JsonEncoding.UTF8)) {
      g.writeStartObject();
      g.writeStringField("type", type);
      g.writeStringField("cursor", cursor);
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new String(out.toByteArray(), StandardCharsets.UTF_8);
  }
}
