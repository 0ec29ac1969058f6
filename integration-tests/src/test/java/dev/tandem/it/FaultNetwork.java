package dev.tandem.it;

import dev.tandem.sync.protocol.Change;
import dev.tandem.sync.protocol.PushRequest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The network between the devices of one test run and the server, shared by their
 * {@link FaultTransport}s and driven by one seeded {@link Random}, so that a seed replays the same
 * faults in the same places.
 *
 * <p>It keeps the log of what reached the server ({@link #arrivals()}), which the tests' oracles
 * judge the server by: a fault transport sees every request the server applied, including the ones
 * whose answer it then threw away.
 */
final class FaultNetwork {
  /** How likely each fault is, per call. */
  record Profile(double dropRequest, double dropResponse, double duplicate, double hold,
      double replay, double meanwhile) {
    /** Every fault, including late and reordered arrivals and other devices acting mid-call. */
    static final Profile FULL = new Profile(0.07, 0.10, 0.08, 0.10, 0.08, 0.15);
    /**
     * Losses, duplicates and replays, but each request either reaches the server while its device
     * waits or never: no device acts between another's pull and push.
     */
    static final Profile ORDERED = new Profile(0.07, 0.10, 0.08, 0, 0.08, 0);
  }

  /** One change of one push request as the server received it. */
  record Arrival(int order, String device, boolean firstOfBatch, boolean late, Change change) {}

  private record Sent(FaultTransport via, PushRequest request) {}

  private final Random rnd;
  private final Profile profile;
  private final List<Arrival> arrivals = new ArrayList<>();
  private final Set<String> batches = new HashSet<>();
  private final List<Sent> held = new ArrayList<>();
  private final List<Sent> sent = new ArrayList<>();
  private volatile boolean faulty = true;
  private Consumer<String> meanwhile = device -> { };
  private boolean inMeanwhile;
  final int[] counts = new int[6];
  private static final String[] COUNT_NAMES = {"requests lost", "responses lost", "duplicated",
      "held back", "replayed", "acted meanwhile"};

  FaultNetwork(Random rnd, Profile profile) {
    this.rnd = rnd;
    this.profile = profile;
  }

  /** What the test does while a device's request is in flight (other devices act). */
  void onMeanwhile(Consumer<String> action) {
    this.meanwhile = action;
  }

  /** With false, every call goes straight through (the final rounds of a run). */
  void faulty(boolean on) {
    faulty = on;
  }

  List<Arrival> arrivals() {
    return arrivals;
  }

  boolean chance(double p) {
    return faulty && p > 0 && rnd.nextDouble() < p;
  }

  Profile profile() {
    return profile;
  }

  /** Before any call: a held request may arrive now, or an old one arrive again. */
  void beforeCall() {
    if (!held.isEmpty() && chance(0.3)) {
      deliverHeld(held.remove(rnd.nextInt(held.size())));
    }
    if (!sent.isEmpty() && chance(profile.replay())) {
      Sent old = sent.get(rnd.nextInt(sent.size()));
      counts[4]++;
      try {
        old.via().deliver(old.request(), true);
      } catch (RuntimeException ignored) {
        // Whatever the server answers to a replay, nobody is listening.
      }
    }
  }

  void hold(FaultTransport via, PushRequest request) {
    counts[3]++;
    held.add(new Sent(via, request));
  }

  /** Delivers everything still held back, in a seeded order. */
  void deliverAllHeld() {
    while (!held.isEmpty()) {
      deliverHeld(held.remove(rnd.nextInt(held.size())));
    }
  }

  private void deliverHeld(Sent s) {
    try {
      s.via().deliver(s.request(), true);
    } catch (RuntimeException ignored) {
      // The device gave up on this request long ago.
    }
  }

  void delivered(FaultTransport via, String device, PushRequest request, boolean late) {
    boolean first = batches.add(device + "/" + request.batchId());
    for (Change c : request.changes()) {
      arrivals.add(new Arrival(arrivals.size(), device, first, late, c));
    }
    if (!late) {
      sent.add(new Sent(via, request));
    }
  }

  /** While {@code device} waits for an answer, maybe let the others act. */
  void maybeMeanwhile(String device) {
    if (inMeanwhile || !chance(profile.meanwhile())) {
      return;
    }
    counts[5]++;
    inMeanwhile = true;
    try {
      meanwhile.accept(device);
    } finally {
      inMeanwhile = false;
    }
  }

  String summary() {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < counts.length; i++) {
      sb.append(i == 0 ? "" : ", ").append(COUNT_NAMES[i]).append(' ').append(counts[i]);
    }
    return sb.toString();
  }
}
