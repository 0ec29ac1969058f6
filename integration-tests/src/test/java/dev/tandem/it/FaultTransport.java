package dev.tandem.it;

import dev.tandem.sync.SyncException;
import dev.tandem.sync.TransportException;
import dev.tandem.sync.protocol.PullResponse;
import dev.tandem.sync.protocol.PushRequest;
import dev.tandem.sync.protocol.PushResponse;
import dev.tandem.sync.spi.Transport;

/**
 * A device's transport with faults from its {@link FaultNetwork}: a request lost on the way, a
 * response lost after the server applied the request, a request delivered twice, a request held
 * back (the device times out) and delivered later among other devices' requests, an old request
 * replayed, and other devices acting while this one waits for its answer (so the answer is stale
 * when it arrives).
 */
final class FaultTransport implements Transport {
  private final Transport real;
  private final String device;
  private final FaultNetwork network;

  FaultTransport(Transport real, String device, FaultNetwork network) {
    this.real = real;
    this.device = device;
    this.network = network;
  }

  private static TransportException lost(String what) {
    return new TransportException(SyncException.Reason.NETWORK, 0, null, what + " (fault test)");
  }

  /** Sends {@code request} to the server now and logs what arrived. */
  PushResponse deliver(PushRequest request, boolean late) {
    PushResponse r = real.push(request);
    network.delivered(this, device, request, late);
    return r;
  }

  @Override
  public PushResponse push(PushRequest request) {
    FaultNetwork.Profile p = beforeSending();
    if (network.chance(p.hold())) {
      network.hold(this, request);
      throw lost("timed out");
    }
    PushResponse response = deliver(request, false);
    return afterDelivery(p, response, () -> deliver(request, true));
  }

  @Override
  public PullResponse pull(String cursor, int limit) {
    FaultNetwork.Profile p = beforeSending();
    PullResponse response = real.pull(cursor, limit);
    return afterDelivery(p, response, () -> real.pull(cursor, limit));
  }

  /** The faults before a request reaches the server; returns the profile for the rest. */
  private FaultNetwork.Profile beforeSending() {
    network.beforeCall();
    FaultNetwork.Profile p = network.profile();
    if (network.chance(p.dropRequest())) {
      network.counts[0]++;
      throw lost("request lost");
    }
    return p;
  }

  /**
   * The faults after the server answered: the request delivered a second time ({@code again}),
   * other devices acting meanwhile, the answer lost. The draws keep this order for every call so
   * that a seed replays the same run.
   */
  private <T> T afterDelivery(FaultNetwork.Profile p, T response, Runnable again) {
    if (network.chance(p.duplicate())) {
      network.counts[2]++;
      again.run();
    }
    network.maybeMeanwhile(device);
    if (network.chance(p.dropResponse())) {
      network.counts[1]++;
      throw lost("response lost");
    }
    return response;
  }

  @Override
  public void health() {
    if (network.chance(network.profile().dropRequest())) {
      throw lost("health check lost");
    }
    real.health();
  }

  @Override
  public void close() {
    real.close();
  }
}
