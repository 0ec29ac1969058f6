package dev.tandem.it;

import dev.tandem.sync.protocol.Change;
import dev.tandem.sync.protocol.PullResponse;
import dev.tandem.sync.protocol.PushRequest;
import dev.tandem.sync.protocol.PushResponse;
import dev.tandem.sync.spi.Transport;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/** Counts and keeps what the server sends and lets a test act in the middle of a call. */
final class HookedTransport implements Transport {
  final Transport real;
  final AtomicInteger pulledChanges = new AtomicInteger();
  /** Every change the pulls received, in order. */
  final List<Change> received = new CopyOnWriteArrayList<>();
  final AtomicInteger pushes = new AtomicInteger();
  final AtomicInteger pulls = new AtomicInteger();
  private volatile PushRequest lastRequest;
  /** Runs before a push is sent, with the push's number (from 1). */
  volatile IntConsumer beforePush = n -> { };
  /** Runs after the server applied a push, before its answer is returned. */
  volatile IntConsumer afterPush = n -> { };
  /** Runs before a pull is sent, with the pull's number (from 1). */
  volatile IntConsumer beforePull = n -> { };

  HookedTransport(Transport real) {
    this.real = real;
  }

  @Override
  public PushResponse push(PushRequest request) {
    int n = pushes.incrementAndGet();
    lastRequest = request;
    beforePush.accept(n);
    PushResponse r = real.push(request);
    afterPush.accept(n);
    return r;
  }

  /** The push being sent (or last sent), for a hook that needs its body. */
  PushRequest lastRequest() {
    return lastRequest;
  }

  @Override
  public PullResponse pull(String cursor, int limit) {
    beforePull.accept(pulls.incrementAndGet());
    PullResponse r = real.pull(cursor, limit);
    pulledChanges.addAndGet(r.changes().size());
    received.addAll(r.changes());
    return r;
  }

  @Override
  public void health() {
    real.health();
  }

  @Override
  public void close() {
    real.close();
  }
}
