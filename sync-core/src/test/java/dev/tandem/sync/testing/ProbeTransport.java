package dev.tandem.sync.testing;

import dev.tandem.sync.SyncException;
import dev.tandem.sync.TransportException;
import dev.tandem.sync.protocol.PullResponse;
import dev.tandem.sync.protocol.PushRequest;
import dev.tandem.sync.protocol.PushResponse;
import dev.tandem.sync.spi.Transport;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link Transport} decorator that records what the engine asks for and lets a test step in:
 * run something just before a push reaches the server (another device syncing in between), drive
 * the live channel by hand, and check that it was closed.
 */
public final class ProbeTransport implements Transport {
  private final Transport delegate;
  private final List<String> pullCursors = new ArrayList<>();
  private final List<PushRequest> pushes = new ArrayList<>();
  private final List<Long> pushesAt = new ArrayList<>();
  private final List<Long> pullsAt = new ArrayList<>();
  private final List<Long> healthChecksAt = new ArrayList<>();
  private final List<Long> liveOpensAt = new ArrayList<>();
  private final ManualClock clock;
  private Runnable beforeNextPush;
  private java.util.function.Function<PushRequest, RuntimeException> pushFailure;
  private java.util.function.Function<PushRequest, PushResponse> nextAnswer;
  private boolean supportsLive;
  private RuntimeException openLiveFailure;
  private Transport.LiveListener liveListener;
  private int liveClosed;
  private boolean closed;

  /** Wraps {@code delegate}; {@code clock} (may be null) stamps the recorded calls. */
  public ProbeTransport(Transport delegate, ManualClock clock) {
    this.delegate = delegate;
    this.clock = clock;
  }

  /** Runs {@code hook} once, just before the next push is handed to the server. */
  public synchronized ProbeTransport beforeNextPush(Runnable hook) {
    this.beforeNextPush = hook;
    return this;
  }

  /**
   * Answers every push for which {@code failure} returns an exception by throwing it, before the
   * server sees the push (null: stop).
   */
  public synchronized ProbeTransport failPushes(
      java.util.function.Function<PushRequest, RuntimeException> failure) {
    this.pushFailure = failure;
    return this;
  }

  /** Answers the next push with {@code answer} instead of asking the server. */
  public synchronized ProbeTransport answerNextPush(
      java.util.function.Function<PushRequest, PushResponse> answer) {
    this.nextAnswer = answer;
    return this;
  }

  /** Makes {@link #openLive} return a channel that the test drives with the fire methods. */
  public synchronized ProbeTransport withLive() {
    this.supportsLive = true;
    return this;
  }

  /** Makes every {@link #openLive} throw {@code failure} (null: stop failing). */
  public synchronized ProbeTransport failOpenLive(RuntimeException failure) {
    this.openLiveFailure = failure;
    return this;
  }

  @Override
  public PushResponse push(PushRequest request) {
    Runnable hook;
    java.util.function.Function<PushRequest, RuntimeException> failure;
    java.util.function.Function<PushRequest, PushResponse> answer;
    synchronized (this) {
      hook = beforeNextPush;
      beforeNextPush = null;
      failure = pushFailure;
      answer = nextAnswer;
      nextAnswer = null;
      pushes.add(request);
      pushesAt.add(now());
    }
    if (hook != null) {
      hook.run();
    }
    RuntimeException e = failure == null ? null : failure.apply(request);
    if (e != null) {
      throw e;
    }
    return answer != null ? answer.apply(request) : delegate.push(request);
  }

  @Override
  public PullResponse pull(String cursor, int limit) {
    synchronized (this) {
      pullCursors.add(cursor);
      pullsAt.add(now());
    }
    return delegate.pull(cursor, limit);
  }

  @Override
  public void health() {
    synchronized (this) {
      healthChecksAt.add(now());
    }
    delegate.health();
  }

  @Override
  public synchronized LiveConnection openLive(String cursor, LiveListener listener) {
    liveOpensAt.add(now());
    if (openLiveFailure != null) {
      throw openLiveFailure;
    }
    if (!supportsLive) {
      return null;
    }
    liveListener = listener;
    return () -> {
      synchronized (ProbeTransport.this) {
        liveClosed++;
      }
    };
  }

  @Override
  public synchronized void close() {
    closed = true;
    delegate.close();
  }

  private long now() {
    return clock == null ? 0 : clock.millis();
  }

  /** The live channel says it is open. */
  public void fireOpen() {
    listener().onOpen();
  }

  /** The live channel announces that the team's sequence moved. */
  public void fireChanges(String cursor) {
    listener().onChanges(cursor);
  }

  /** The live channel drops. */
  public void fireClosed() {
    Transport.LiveListener l = listener();
    synchronized (this) {
      liveListener = null;
    }
    l.onClosed(new TransportException(SyncException.Reason.NETWORK, 0, null,
        "live channel dropped (simulated)"));
  }

  private synchronized Transport.LiveListener listener() {
    if (liveListener == null) {
      throw new IllegalStateException("no live channel is open");
    }
    return liveListener;
  }

  /** Returns true while the engine holds an open live channel. */
  public synchronized boolean liveOpen() {
    return liveListener != null;
  }

  /** Returns the cursor of every pull, in order (null: from the beginning). */
  public synchronized List<String> pullCursors() {
    return new ArrayList<>(pullCursors);
  }

  /** Returns every push request, in order. */
  public synchronized List<PushRequest> pushes() {
    return new ArrayList<>(pushes);
  }

  /** Returns the clock time of every push attempt. */
  public synchronized List<Long> pushesAt() {
    return new ArrayList<>(pushesAt);
  }

  /** Returns the clock time of every pull attempt. */
  public synchronized List<Long> pullsAt() {
    return new ArrayList<>(pullsAt);
  }

  /** Returns the clock time of every health check. */
  public synchronized List<Long> healthChecksAt() {
    return new ArrayList<>(healthChecksAt);
  }

  /** Returns the clock time of every attempt to open the live channel. */
  public synchronized List<Long> liveOpensAt() {
    return new ArrayList<>(liveOpensAt);
  }

  /** Returns how many live channels the engine closed. */
  public synchronized int liveClosed() {
    return liveClosed;
  }

  public synchronized boolean closed() {
    return closed;
  }
}
