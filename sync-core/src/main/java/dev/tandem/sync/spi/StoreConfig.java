package dev.tandem.sync.spi;

import dev.tandem.sync.Clock;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;

/** What a {@link LocalStoreProvider} needs to open a store. */
public final class StoreConfig {
  /** Default largest record data size: 4 MiB. */
  public static final long DEFAULT_MAX_RECORD_BYTES = 4L * 1024 * 1024;

  private final Path path;
  private final long maxRecordBytes;
  private final boolean synchronousFull;
  private final Clock clock;
  private final Set<String> customTypes;

  public StoreConfig(Path path, long maxRecordBytes, boolean synchronousFull, Clock clock,
      Set<String> customTypes) {
    this.path = Objects.requireNonNull(path, "path");
    this.maxRecordBytes = maxRecordBytes;
    this.synchronousFull = synchronousFull;
    this.clock = Objects.requireNonNull(clock, "clock");
    this.customTypes = Collections.unmodifiableSet(new LinkedHashSet<>(customTypes));
  }

  public Path path() {
    return path;
  }

  public long maxRecordBytes() {
    return maxRecordBytes;
  }

  /** Returns true for {@code PRAGMA synchronous=FULL}, false for the default NORMAL. */
  public boolean synchronousFull() {
    return synchronousFull;
  }

  public Clock clock() {
    return clock;
  }

  /** Returns the host-registered types beyond the built-in ones. */
  public Set<String> customTypes() {
    return customTypes;
  }
}
