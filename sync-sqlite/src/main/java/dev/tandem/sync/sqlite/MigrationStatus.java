package dev.tandem.sync.sqlite;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/** The state of one migration in one database, as {@link Migrator#status()} reports it. */
public final class MigrationStatus {
  /** Where a migration stands. */
  public enum State {
    /** Applied, and its checksum matches the migration this code knows. */
    APPLIED,
    /** Known to this code, not applied yet. */
    PENDING,
    /** Applied, but the migration this code knows has another checksum: refused. */
    CHECKSUM_MISMATCH,
    /** Applied, but this code does not know it (the database is newer than the code). */
    UNKNOWN
  }

  private final int version;
  private final String description;
  private final String checksum;
  private final State state;
  private final long executedAt;
  private final long executionTimeMs;

  MigrationStatus(int version, String description, String checksum, State state,
      long executedAt, long executionTimeMs) {
    this.version = version;
    this.description = description;
    this.checksum = checksum;
    this.state = state;
    this.executedAt = executedAt;
    this.executionTimeMs = executionTimeMs;
  }

  public int version() {
    return version;
  }

  public String description() {
    return description;
  }

  /** Returns the checksum recorded when applied, or the known checksum if pending. */
  public String checksum() {
    return checksum;
  }

  public State state() {
    return state;
  }

  /** Returns true unless the migration is {@link State#PENDING}. */
  public boolean applied() {
    return state != State.PENDING;
  }

  /** Returns when it was applied (epoch ms), or 0 if pending. */
  public long executedAt() {
    return executedAt;
  }

  /** Returns how long applying it took, or 0 if pending. */
  public long executionTimeMs() {
    return executionTimeMs;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    if (!(o instanceof MigrationStatus)) {
      return false;
    }
    MigrationStatus m = (MigrationStatus) o;
    return version == m.version && executedAt == m.executedAt
        && executionTimeMs == m.executionTimeMs && state == m.state
        && Objects.equals(description, m.description) && Objects.equals(checksum, m.checksum);
  }

  @Override
  public int hashCode() {
    return Objects.hash(version, checksum, state, executedAt);
  }

  @Override
  public String toString() {
    return "MigrationStatus{" + version + " " + description + " " + state + "}";
  }
}
