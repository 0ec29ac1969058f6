package dev.tandem.sync.cli.history;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.sync.internal.Json;
import java.util.Objects;

/** One record an imported task maps to: type, id and data, before it is written to the store. */
public record TaskRecord(String type, String id, ObjectNode data) {
  public TaskRecord {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(data, "data");
  }

  /** Returns the data as compact JSON text, as it is written to the store. */
  public String json() {
    return Json.write(data);
  }

  /** Returns {@code type/id}, a key unique across types. */
  public String key() {
    return type + "/" + id;
  }
}
