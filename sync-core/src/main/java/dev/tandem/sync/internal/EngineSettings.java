package dev.tandem.sync.internal;

import dev.tandem.sync.Record;
import dev.tandem.sync.spi.ConflictResolver;
import dev.tandem.sync.spi.Redactor;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Predicate;

/**
 * The engine's settings, fixed when the engine is built. They are read by the pusher, the puller,
 * the live supervisor and the listener registry on several threads, so they never change after
 * {@link Builder#build()}, which checks them once: a bad value fails there with a clear message,
 * not in the middle of a sync.
 */
public final class EngineSettings {
  /** The protocol's largest push batch (and so the largest backlog batch). */
  static final int MAX_BATCH = 1000;
  /** The largest pull page the engine asks for. */
  static final int MAX_PULL_PAGE = 5000;

  final int batchSize;
  final int backlogBatchSize;
  final int pullPageSize;
  final long sweepIntervalMillis;
  final long flushDelayMillis;
  final boolean autoSync;
  final boolean live;
  final Redactor redactor;
  /** Null when every record may leave the device. */
  final Predicate<Record> filter;
  final ConflictResolver defaultResolver;
  final Map<String, ConflictResolver> resolvers;
  /** Null when the engine runs its own dispatcher thread. */
  final ScheduledExecutorService scheduler;
  /** Null when the engine runs its own listener thread. */
  final Executor listenerExecutor;
  final Random random;
  final long observePollMillis;

  private EngineSettings(Builder b) {
    this.batchSize = b.batchSize;
    this.backlogBatchSize = b.backlogBatchSize;
    this.pullPageSize = b.pullPageSize;
    this.sweepIntervalMillis = b.sweepIntervalMillis;
    this.flushDelayMillis = b.flushDelayMillis;
    this.autoSync = b.autoSync;
    this.live = b.live;
    this.redactor = b.redactor;
    this.filter = b.filter;
    this.defaultResolver = b.defaultResolver;
    this.resolvers = Collections.unmodifiableMap(new HashMap<>(b.resolvers));
    this.scheduler = b.scheduler;
    this.listenerExecutor = b.listenerExecutor;
    this.random = b.random;
    this.observePollMillis = b.observePollMillis;
  }

  /** Returns a builder holding the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** Returns the default settings. */
  public static EngineSettings defaults() {
    return new Builder().build();
  }

  /** The resolver of records of {@code type}: its own, or the default one. */
  ConflictResolver resolverFor(String type) {
    ConflictResolver r = resolvers.get(type);
    return r == null ? defaultResolver : r;
  }

  /** Collects settings; {@link #build()} checks them. Not thread-safe. */
  public static final class Builder {
    private int batchSize = 100;
    private int backlogBatchSize;
    private int pullPageSize = 500;
    private long sweepIntervalMillis = 10_000;
    private long flushDelayMillis = 50;
    private boolean autoSync = true;
    private boolean live = true;
    private Redactor redactor = Redactor.NONE;
    private Predicate<Record> filter;
    private ConflictResolver defaultResolver = LastWriteWinsRule.BY_HLC;
    private Map<String, ConflictResolver> resolvers = Collections.emptyMap();
    private ScheduledExecutorService scheduler;
    private Executor listenerExecutor;
    private Random random = new Random();
    private long observePollMillis = 500;

    private Builder() {}

    /** Entries per push request (1 to 1,000); default 100. */
    public Builder batchSize(int n) {
      this.batchSize = n;
      return this;
    }

    /**
     * The most entries per request while a backlog of more than {@link #batchSize} waits (0 to
     * 1,000); 0, the default, means always {@link #batchSize}.
     */
    public Builder backlogBatchSize(int n) {
      this.backlogBatchSize = n;
      return this;
    }

    /** Changes asked for per pull page (1 to 5,000); default 500. */
    public Builder pullPageSize(int n) {
      this.pullPageSize = n;
      return this;
    }

    /** Time between background sweeps (positive); default 10 s. */
    public Builder sweepIntervalMillis(long millis) {
      this.sweepIntervalMillis = millis;
      return this;
    }

    /** Delay between a local write and the push it asks for (not negative); default 50 ms. */
    public Builder flushDelayMillis(long millis) {
      this.flushDelayMillis = millis;
      return this;
    }

    /** Whether the engine syncs in the background; default true. */
    public Builder autoSync(boolean enabled) {
      this.autoSync = enabled;
      return this;
    }

    /** Whether the engine keeps a live channel open; default true. */
    public Builder live(boolean enabled) {
      this.live = enabled;
      return this;
    }

    /** What masks secrets before a record leaves the device; default none. */
    public Builder redactor(Redactor r) {
      this.redactor = r;
      return this;
    }

    /** Which records may leave the device; null (the default) lets every one. */
    public Builder filter(Predicate<Record> f) {
      this.filter = f;
      return this;
    }

    /** The resolver of types without their own; default last write wins by clock. */
    public Builder defaultResolver(ConflictResolver r) {
      this.defaultResolver = r;
      return this;
    }

    /** Resolvers by record type (copied). */
    public Builder resolvers(Map<String, ConflictResolver> byType) {
      this.resolvers = byType;
      return this;
    }

    /** The host's scheduler for background work; null (the default) for the engine's own. */
    public Builder scheduler(ScheduledExecutorService s) {
      this.scheduler = s;
      return this;
    }

    /** The host's default listener executor; null (the default) for the engine's own thread. */
    public Builder listenerExecutor(Executor e) {
      this.listenerExecutor = e;
      return this;
    }

    /** The randomness behind backoff jitter. */
    public Builder random(Random r) {
      this.random = r;
      return this;
    }

    /** How often {@code observe} checks for other processes' writes (positive); default 500 ms. */
    public Builder observePollMillis(long millis) {
      this.observePollMillis = millis;
      return this;
    }

    /**
     * Returns the settings.
     *
     * @throws IllegalArgumentException if a number is out of its range or a required part is null
     */
    public EngineSettings build() {
      requireRange("batchSize", batchSize, 1, MAX_BATCH);
      requireRange("backlogBatchSize", backlogBatchSize, 0, MAX_BATCH);
      requireRange("pullPageSize", pullPageSize, 1, MAX_PULL_PAGE);
      requireRange("sweepIntervalMillis", sweepIntervalMillis, 1, Long.MAX_VALUE);
      requireRange("flushDelayMillis", flushDelayMillis, 0, Long.MAX_VALUE);
      requireRange("observePollMillis", observePollMillis, 1, Long.MAX_VALUE);
      requireSet("redactor", redactor);
      requireSet("defaultResolver", defaultResolver);
      requireSet("resolvers", resolvers);
      requireSet("random", random);
      for (Map.Entry<String, ConflictResolver> e : resolvers.entrySet()) {
        if (e.getKey() == null || e.getValue() == null) {
          throw new IllegalArgumentException("resolvers must not hold null: " + e);
        }
      }
      return new EngineSettings(this);
    }

    private static void requireRange(String what, long value, long min, long max) {
      if (value < min || value > max) {
        throw new IllegalArgumentException(what + " must be " + min
            + (max == Long.MAX_VALUE ? " or more" : " to " + max) + ": " + value);
      }
    }

    private static void requireSet(String what, Object value) {
      if (Objects.isNull(value)) {
        throw new IllegalArgumentException(what + " must not be null");
      }
    }
  }
}
