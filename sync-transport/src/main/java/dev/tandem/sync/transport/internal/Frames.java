package dev.tandem.sync.transport.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.tandem.sync.protocol.FrameType;
import dev.tandem.sync.protocol.ProtocolCodec;
import java.io.IOException;

/** Reading the live channel's frames; their vocabulary is {@link FrameType}. */
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
    return ProtocolCodec.writeFrame(FrameType.HELLO, cursor == null ? "" : cursor);
  }

  public static String ping() {
    return ProtocolCodec.writeFrame(FrameType.PING, null);
  }

  public static String pong() {
    return ProtocolCodec.writeFrame(FrameType.PONG, null);
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
}
