package dev.tandem.sync.internal;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jspecify.annotations.Nullable;

/**
 * The one shared Jackson mapper. Floats are read as {@code BigDecimal} and the node factory keeps
 * decimals exact, so a number survives parse and re-serialization as written.
 */
public final class Json {
  public static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          .nodeFactory(JsonNodeFactory.withExactBigDecimals(true))
          .build();

  private Json() {}

  /**
   * Parses {@code json}, which must be a JSON object.
   *
   * @throws IllegalArgumentException if it is not valid JSON or not an object
   */
  public static ObjectNode parseObject(String json) {
    JsonNode node = parse(json);
    if (!node.isObject()) {
      throw new IllegalArgumentException("expected a JSON object, got " + node.getNodeType());
    }
    return (ObjectNode) node;
  }

  /**
   * Parses any JSON value.
   *
   * @throws IllegalArgumentException if it is not valid JSON
   */
  public static JsonNode parse(String json) {
    try {
      JsonNode node = MAPPER.readTree(json);
      if (node == null || node.isMissingNode()) {
        throw new IllegalArgumentException("empty JSON");
      }
      return node;
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("invalid JSON: " + e.getOriginalMessage(), e);
    }
  }

  /**
   * Returns what {@code parseObject(json).path(field).asText(null)} returns, without building the
   * tree: top-level fields are read as tokens and nested values skipped, which is several times
   * cheaper for the one field the push path asks about on every record. A repeated field counts
   * by its last value, as in the tree.
   *
   * @throws IllegalArgumentException if {@code json} is not valid JSON or not an object
   */
  public static @Nullable String topLevelText(String json, String field) {
    try (JsonParser p = MAPPER.getFactory().createParser(json)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new IllegalArgumentException("expected a JSON object");
      }
      String found = null;
      for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
        boolean wanted = field.equals(p.currentName());
        JsonToken v = p.nextToken();
        if (v == JsonToken.START_OBJECT || v == JsonToken.START_ARRAY) {
          p.skipChildren();
          if (wanted) {
            found = "";
          }
        } else if (wanted) {
          found = v == JsonToken.VALUE_NULL ? null : p.getText();
        }
      }
      // Whatever follows the object is not read, as readTree does not read it either.
      if (p.currentToken() != JsonToken.END_OBJECT) {
        throw new IllegalArgumentException("invalid JSON object");
      }
      return found;
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("invalid JSON: " + e.getOriginalMessage(), e);
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Returns compact JSON text for {@code node}. */
  public static String write(JsonNode node) {
    try {
      return MAPPER.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Returns a new empty object node. */
  public static ObjectNode object() {
    return MAPPER.createObjectNode();
  }
}
