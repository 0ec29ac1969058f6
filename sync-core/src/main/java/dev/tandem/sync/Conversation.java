package dev.tandem.sync;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.sync.internal.Json;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A conversation with an agent: a typed view over a {@code conversation} record's data. Fields
 * this class does not know are kept and written back unchanged.
 *
 * <pre>{@code
 * Conversation c = Conversation.builder("c-1").title("Fix the build").source("native").build();
 * tandem.conversations().save(c);
 * }</pre>
 */
public final class Conversation {
  /** Privacy value: syncs to the user's other devices (the default). */
  public static final String PRIVACY_SYNC = "sync";
  /** Privacy value: never leaves this device, nor do its messages and tool calls. */
  public static final String PRIVACY_LOCAL_ONLY = "local-only";

  private final String id;
  private final ObjectNode data;
  private final @Nullable Hlc hlc;

  private Conversation(String id, ObjectNode data, @Nullable Hlc hlc) {
    this.id = Ids.requireId(id);
    this.data = data;
    this.hlc = hlc;
  }

  /** Returns a builder for a new conversation with {@code id}. */
  public static Builder builder(String id) {
    return new Builder(Ids.requireId(id), Json.object());
  }

  /** Returns the typed view of a {@code conversation} record. */
  public static Conversation fromRecord(Record record) {
    if (!RecordTypes.CONVERSATION.equals(record.type())) {
      throw new IllegalArgumentException("not a conversation: " + record.type());
    }
    return new Conversation(record.id(), record.data(), record.hlc());
  }

  /** Returns a builder initialised with this conversation's fields, unknown ones included. */
  public Builder newBuilder() {
    return new Builder(id, data.deepCopy());
  }

  public String id() {
    return id;
  }

  /** Returns the clock of the stored version, or null if not read from the store. */
  public @Nullable Hlc hlc() {
    return hlc;
  }

  public @Nullable String title() {
    return text("title");
  }

  public @Nullable String workspacePath() {
    return text("workspacePath");
  }

  /** Returns {@code active} or {@code archived} (absent means active). */
  public String state() {
    String s = text("state");
    return s == null ? "active" : s;
  }

  public long createdAt() {
    return data.path("createdAt").asLong(0);
  }

  public long updatedAt() {
    return data.path("updatedAt").asLong(0);
  }

  /** Returns the metadata object, or null. */
  public @Nullable JsonNode metadata() {
    JsonNode m = data.get("metadata");
    return m == null || m.isNull() ? null : m.deepCopy();
  }

  /** Returns where it came from: {@code roo}, {@code cline}, {@code native}, … */
  public @Nullable String source() {
    return text("source");
  }

  /** Returns {@link #PRIVACY_SYNC} or {@link #PRIVACY_LOCAL_ONLY}. */
  public String privacy() {
    String p = text("privacy");
    return p == null ? PRIVACY_SYNC : p;
  }

  public boolean isLocalOnly() {
    return PRIVACY_LOCAL_ONLY.equals(privacy());
  }

  /** Returns a copy of the underlying JSON data. */
  public ObjectNode toJson() {
    return data.deepCopy();
  }

  private @Nullable String text(String field) {
    JsonNode n = data.get(field);
    return n == null || n.isNull() ? null : n.asText();
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof Conversation && id.equals(((Conversation) o).id)
        && data.equals(((Conversation) o).data);
  }

  @Override
  public int hashCode() {
    return Objects.hash(id, data);
  }

  @Override
  public String toString() {
    return "Conversation{" + id + " " + title() + "}";
  }

  /** Builds a {@link Conversation}. Not thread-safe. */
  public static final class Builder {
    private final String id;
    private final ObjectNode data;

    private Builder(String id, ObjectNode data) {
      this.id = id;
      this.data = data;
      data.put("id", id);
    }

    public Builder title(@Nullable String title) {
      data.put("title", title);
      return this;
    }

    public Builder workspacePath(@Nullable String path) {
      data.put("workspacePath", path);
      return this;
    }

    /**
     * @throws IllegalArgumentException unless {@code active} or {@code archived}
     */
    public Builder state(String state) {
      if (!"active".equals(state) && !"archived".equals(state)) {
        throw new IllegalArgumentException("state must be active or archived: " + state);
      }
      data.put("state", state);
      return this;
    }

    public Builder createdAt(long millis) {
      data.put("createdAt", millis);
      return this;
    }

    public Builder updatedAt(long millis) {
      data.put("updatedAt", millis);
      return this;
    }

    public Builder metadata(@Nullable JsonNode metadata) {
      data.set("metadata", metadata == null ? null : metadata.deepCopy());
      return this;
    }

    public Builder source(@Nullable String source) {
      data.put("source", source);
      return this;
    }

    /**
     * @throws IllegalArgumentException unless {@code sync} or {@code local-only}
     */
    public Builder privacy(String privacy) {
      if (!PRIVACY_SYNC.equals(privacy) && !PRIVACY_LOCAL_ONLY.equals(privacy)) {
        throw new IllegalArgumentException("privacy must be sync or local-only: " + privacy);
      }
      data.put("privacy", privacy);
      return this;
    }

    /** Sets any other field, kept and synced as given. */
    public Builder set(String field, @Nullable JsonNode value) {
      data.set(field, value);
      return this;
    }

    public Conversation build() {
      return new Conversation(id, data.deepCopy(), null);
    }
  }
}
