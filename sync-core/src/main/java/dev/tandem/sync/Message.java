package dev.tandem.sync;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.tandem.sync.internal.Json;
import java.math.BigDecimal;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One message of a conversation: a typed view over a {@code message} record's data. Content is a
 * string or Anthropic-style content blocks, kept exactly. Unknown fields are kept.
 *
 * <pre>{@code
 * tandem.messages().save(Message.builder("m-1", "c-1").role("user").content("hello").ts(now).build());
 * }</pre>
 */
public final class Message {
  private final String id;
  private final ObjectNode data;
  private final @Nullable Hlc hlc;

  private Message(String id, ObjectNode data, @Nullable Hlc hlc) {
    this.id = Ids.requireId(id);
    this.data = data;
    this.hlc = hlc;
  }

  /** Returns a builder for a new message of conversation {@code conversationId}. */
  public static Builder builder(String id, String conversationId) {
    Builder b = new Builder(Ids.requireId(id), Json.object());
    b.data.put("conversationId", Ids.requireId(conversationId));
    return b;
  }

  /** Returns the typed view of a {@code message} record. */
  public static Message fromRecord(Record record) {
    if (!RecordTypes.MESSAGE.equals(record.type())) {
      throw new IllegalArgumentException("not a message: " + record.type());
    }
    return new Message(record.id(), record.data(), record.hlc());
  }

  public Builder newBuilder() {
    return new Builder(id, data.deepCopy());
  }

  public String id() {
    return id;
  }

  public @Nullable Hlc hlc() {
    return hlc;
  }

  public @Nullable String conversationId() {
    return data.path("conversationId").asText(null);
  }

  /** Returns {@code user}, {@code assistant} or {@code system}. */
  public @Nullable String role() {
    return data.path("role").asText(null);
  }

  /** Returns the content: a text node or an array of content blocks, as stored. */
  public @Nullable JsonNode content() {
    JsonNode c = data.get("content");
    return c == null ? null : c.deepCopy();
  }

  /**
   * Returns the content as plain text: the string itself, or the {@code text} of every text block
   * joined by newlines.
   */
  public String text() {
    return textOf(data.get("content"));
  }

  /**
   * Returns the plain text of a message content value: the string itself, or the {@code text}
   * of every text block joined by newlines; empty for null.
   */
  public static String textOf(@Nullable JsonNode content) {
    if (content == null || content.isNull()) {
      return "";
    }
    if (content.isTextual()) {
      return content.asText();
    }
    StringBuilder sb = new StringBuilder();
    for (JsonNode block : content) {
      JsonNode t = block.get("text");
      if (t != null && t.isTextual()) {
        if (sb.length() > 0) {
          sb.append('\n');
        }
        sb.append(t.asText());
      }
    }
    return sb.toString();
  }

  /** Returns the message time in epoch milliseconds. */
  public long ts() {
    return data.path("ts").asLong(0);
  }

  public long tokensIn() {
    return data.path("tokensIn").asLong(0);
  }

  public long tokensOut() {
    return data.path("tokensOut").asLong(0);
  }

  /** Returns the cost in dollars, or null if unknown. */
  public @Nullable BigDecimal cost() {
    JsonNode c = data.get("cost");
    return c == null || !c.isNumber() ? null : c.decimalValue();
  }

  public @Nullable String parentId() {
    return data.path("parentId").asText(null);
  }

  public boolean isSummary() {
    return data.path("isSummary").asBoolean(false);
  }

  public @Nullable JsonNode metadata() {
    JsonNode m = data.get("metadata");
    return m == null || m.isNull() ? null : m.deepCopy();
  }

  public ObjectNode toJson() {
    return data.deepCopy();
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof Message && id.equals(((Message) o).id) && data.equals(((Message) o).data);
  }

  @Override
  public int hashCode() {
    return Objects.hash(id, data);
  }

  @Override
  public String toString() {
    return "Message{" + id + " " + role() + "}";
  }

  /** Builds a {@link Message}. Not thread-safe. */
  public static final class Builder {
    private final String id;
    private final ObjectNode data;

    private Builder(String id, ObjectNode data) {
      this.id = id;
      this.data = data;
      data.put("id", id);
    }

    /**
     * @throws IllegalArgumentException unless {@code user}, {@code assistant} or {@code system}
     */
    public Builder role(String role) {
      if (!"user".equals(role) && !"assistant".equals(role) && !"system".equals(role)) {
        throw new IllegalArgumentException("role must be user, assistant or system: " + role);
      }
      data.put("role", role);
      return this;
    }

    public Builder content(String text) {
      data.set("content", TextNode.valueOf(text));
      return this;
    }

    /** Sets content blocks (or any JSON value), kept exactly. */
    public Builder content(@Nullable JsonNode content) {
      data.set("content", content == null ? null : content.deepCopy());
      return this;
    }

    public Builder ts(long millis) {
      data.put("ts", millis);
      return this;
    }

    public Builder tokensIn(long n) {
      data.put("tokensIn", n);
      return this;
    }

    public Builder tokensOut(long n) {
      data.put("tokensOut", n);
      return this;
    }

    public Builder cost(@Nullable BigDecimal cost) {
      data.put("cost", cost);
      return this;
    }

    public Builder parentId(@Nullable String parentId) {
      data.put("parentId", parentId);
      return this;
    }

    public Builder isSummary(boolean summary) {
      data.put("isSummary", summary);
      return this;
    }

    public Builder metadata(@Nullable JsonNode metadata) {
      data.set("metadata", metadata == null ? null : metadata.deepCopy());
      return this;
    }

    public Builder set(String field, @Nullable JsonNode value) {
      data.set(field, value);
      return this;
    }

    public Message build() {
      return new Message(id, data.deepCopy(), null);
    }
  }
}
