package dev.tandem.sync.sqlite;

import dev.tandem.sync.Clock;
import dev.tandem.sync.Hlc;
import dev.tandem.sync.Record;
import dev.tandem.sync.spi.StoreConfig;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.concurrent.atomic.AtomicLong;

/** Helpers shared by the store tests: configs and record builders. */
final class TestStores {
  private TestStores() {}

  /** The instant the tests' {@code ManualClock}s start at. */
  static final long START = 1_700_000_000_000L;

  static StoreConfig config(Path file, Clock clock, String... customTypes) {
    return new StoreConfig(file, StoreConfig.DEFAULT_MAX_RECORD_BYTES, false, clock,
        new LinkedHashSet<>(Arrays.asList(customTypes)));
  }

  static StoreConfig config(Path file, long maxBytes) {
    return new StoreConfig(file, maxBytes, false, Clock.SYSTEM, Collections.emptySet());
  }

  private static final AtomicLong COUNTER = new AtomicLong();

  /** Returns a fresh, increasing clock value. */
  static Hlc hlc() {
    long n = COUNTER.incrementAndGet();
    return Hlc.of(1_700_000_000_000L + n / 1000, (int) (n % 1000), "dev-a");
  }

  static Record conversation(String id, String title, long updatedAt) {
    return Record.of("conversation", id, hlc(),
        "{\"id\":\"" + id + "\",\"title\":\"" + title + "\",\"updatedAt\":" + updatedAt + "}");
  }

  static Record message(String id, String conversationId, long ts, String text) {
    return Record.of("message", id, hlc(), "{\"id\":\"" + id + "\",\"conversationId\":\""
        + conversationId + "\",\"role\":\"user\",\"content\":\"" + text + "\",\"ts\":" + ts + "}");
  }
}
