package dev.tandem.it;

import dev.tandem.sync.SyncException;
import dev.tandem.sync.TransportException;
import dev.tandem.sync.protocol.PullResponse;
import dev.tandem.sync.protocol.PushRequest;
import dev.tandem.sync.protocol.PushResponse;
import dev.tandem.sync.spi.Transport;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Wraps a real transport with switchable faults: no network at all, or a push that reaches the
 * server but whose response is lost.
 */
final class FlakyTransport implements Transport {
  private final Transport real;
  private final AtomicBoolean offline;
  private final AtomicBoolean loseNextResponse;

  FlakyTransport(Transport real, AtomicBoolean offline, AtomicBoolean loseNextResponse) {
    this.real = real;
    this.offline = offline;
    this.loseNextResponse = loseNextResponse;
  }

  private void check() {
    if (offline.get()) {
      throw new TransportException(SyncException.Reason.NETWORK, 0, null, "offline (test)");
    }
  }

  @Override
  public PushResponse push(PushRequest request) {
    check();
    PushResponse r = real.push(request);
    if (loseNextResponse.getAndSet(false)) {
      throw new TransportException(SyncException.Reason.NETWORK, 0, null, "response lost (test)");
    }
    return r;
  }

  @Override
  public PullResponse pull(String cursor, int limit) {
    check();
    return real.pull(cursor, limit);
  }

  @Override
  public void health() {
    check();
    real.health();
  }

  @Override
  public void close() {
    real.close();
  }
}
