package dev.tandem.sync.protocol;

import java.util.Collections;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/** The body of {@code POST /sync/batch}. */
public final class PushRequest {
  private final String batchId;
  private final @Nullable String deviceId;
  private final List<Change> changes;

  public PushRequest(String batchId, @Nullable String deviceId, List<Change> changes) {
    this.batchId = batchId;
    this.deviceId = deviceId;
    this.changes = Collections.unmodifiableList(Objects.requireNonNull(changes, "changes"));
  }

  /** Returns the idempotency key: the same id twice gets the same answer. */
  public String batchId() {
    return batchId;
  }

  public @Nullable String deviceId() {
    return deviceId;
  }

  public List<Change> changes() {
    return changes;
  }
}
