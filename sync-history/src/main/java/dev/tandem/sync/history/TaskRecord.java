package dev.tandem.sync.history;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.sync.internal.Json;
import java.util.Objects;

/** One record an imported task maps to: type, id and data, before it is written to the store. */
public final class TaskRecord {
  private final String type;
  private final String id;
  private final ObjectNode data;

  public TaskRecord(String type, String id, ObjectNode data) {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(data, "data");
    this.type = type;
    this.id = id;
    this.data = data;
  }

  public String type() {
    return type;
  }

  public String id() {
    return id;
  }

  public ObjectNode data() {
    return data;
  }

  /** Returns the data as compact JSON text, as it is written to the store. */
  public String json() {
    return Json.write(data);
  }

  /** Returns {@code type/id}, a key unique across types. */
  public String key() {
    return type + "/" + id;
  }

  @Override
  public boolean equals(Object other) {
    if (this == other) {
      return true;
    }
    if (!(other instanceof TaskRecord)) {
      return false;
    }
    TaskRecord o = (TaskRecord) other;
    return java.util.Objects.equals(type, o.type)
        && java.util.Objects.equals(id, o.id)
        && java.util.Objects.equals(data, o.data);
  }

  @Override
  public int hashCode() {
    return java.util.Objects.hash(type, id, data);
  }

  @Override
  public String toString() {
    return "TaskRecord[" + "type=" + type + ", " + "id=" + id + ", " + "data=" + data + "]";
  }
}
