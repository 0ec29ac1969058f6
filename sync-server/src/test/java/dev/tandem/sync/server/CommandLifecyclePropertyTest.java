package dev.tandem.sync.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.sync.internal.Json;
import dev.tandem.sync.server.CommandStore.CommandEvent;
import dev.tandem.sync.server.CommandStore.StoredCommand;
import dev.tandem.sync.server.ServerStore.TokenOwner;
import dev.tandem.sync.server.internal.DeviceLinks;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random connects, disconnects, sends, acks, lost frames, results and clock jumps against the
 * command relay: every command ends in exactly one final status, and no expired or superseded
 * command ever ran. Fixed seeds in CI; {@code -Dtandem.commands.randomSeeds=N} adds N random ones
 * (printed, to replay).
 */
class CommandLifecyclePropertyTest {
  static final String TEAM = "team-1";
  static final List<String> TARGETS = List.of("d1", "d2", "d3");
  static final long[] SEEDS = {1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233};
  static final int STEPS = 250;

  @TempDir Path dir;
  /** Final statuses over all seeds: every kind must occur, or the run proved little. */
  final Map<String, Integer> counts = new HashMap<>();

  @Test
  void fixedSeeds() {
    for (long seed : SEEDS) {
      runOne(seed);
    }
    for (String s : CommandStore.FINAL_STATUSES) {
      assertTrue(counts.getOrDefault(s, 0) > 0, "no command ended " + s + ": " + counts);
    }
    int extra = Integer.getInteger("tandem.commands.randomSeeds", 0);
    for (int i = 0; i < extra; i++) {
      long seed = new Random().nextLong();
      System.out.println("CommandLifecyclePropertyTest seed " + seed);
      runOne(seed);
    }
  }

  /** The devices' side: who is connected and what arrived, as a fake of the live connections. */
  static final class FakeLinks implements DeviceLinks {
    final Set<String> online = new HashSet<>();
    final Map<String, ArrayDeque<JsonNode>> inbox = new HashMap<>();

    @Override
    public synchronized boolean isOnline(String team, String device) {
      return online.contains(device);
    }

    @Override
    public synchronized int sendToDevice(String team, String device, String frame) {
      if (!online.contains(device)) {
        return 0;
      }
      JsonNode f = Json.parse(frame);
      if (f.path("type").asText().equals("command")) {
        inbox.computeIfAbsent(device, d -> new ArrayDeque<>()).add(f.path("command"));
      }
      return 1;
    }

    synchronized JsonNode take(String device) {
      ArrayDeque<JsonNode> q = inbox.get(device);
      return q == null ? null : q.poll();
    }

    synchronized void set(String device, boolean up) {
      if (up) {
        online.add(device);
      } else {
        online.remove(device);
        inbox.remove(device); // frames in flight die with the connection
      }
    }
  }

  private void runOne(long seed) {
    Random rnd = new Random(seed);
    AtomicLong now = new AtomicLong(1_700_000_000_000L);
    FakeLinks links = new FakeLinks();
    try (ServerStore store = SqliteServerStore.open(dir.resolve("seed-" + seed))) {
      for (String d : List.of("phone", "d1", "d2", "d3")) {
        store.replaceToken("hash-" + d, TEAM, d, 0);
      }
      CommandRelay relay = new CommandRelay(store, links, now::get, Duration.ofSeconds(10));
      Set<String> sent = new LinkedHashSet<>();
      Map<String, Long> ran = new HashMap<>(); // acked with answer "acked": it ran, from then
      List<String> running = new ArrayList<>(); // ran and not finished yet
      try {
        for (int step = 0; step < STEPS; step++) {
          int op = rnd.nextInt(10);
          if (op <= 2) {
            String id = "c-" + sent.size();
            sent.add(id);
            String target = TARGETS.get(rnd.nextInt(TARGETS.size()));
            long ttl = new long[] {1, 5, 30, 120, 900}[rnd.nextInt(5)];
            String key = new String[] {null, null, "k1", "k2"}[rnd.nextInt(4)];
            relay.post(new TokenOwner(TEAM, "phone"), body("{\"commandId\":\"" + id
                + "\",\"target\":\"" + target + "\",\"type\":\"t\",\"priority\":"
                + rnd.nextInt(10) + ",\"ttlSeconds\":" + ttl
                + (key == null ? "" : ",\"conflictKey\":\"" + key + "\"") + "}"));
          } else if (op == 3) {
            String d = TARGETS.get(rnd.nextInt(TARGETS.size()));
            boolean up = !links.isOnline(TEAM, d);
            links.set(d, up);
            if (up) {
              relay.deviceOnline(TEAM, d);
            } else {
              relay.deviceOffline(TEAM, d);
            }
          } else if (op <= 6) {
            String d = TARGETS.get(rnd.nextInt(TARGETS.size()));
            relay.drain();
            JsonNode c = links.take(d);
            if (c != null && rnd.nextInt(10) >= 3) { // else the frame is lost
              take(relay, d, c, ran, running, now.get());
            }
          } else if (op == 7 && !running.isEmpty()) {
            String id = running.get(rnd.nextInt(running.size()));
            String status = new String[] {"running", "succeeded", "failed"}[rnd.nextInt(3)];
            StoredCommand c = store.commands().command(TEAM, id);
            relay.result(new TokenOwner(TEAM, c.target()), id,
                body("{\"status\":\"" + status + "\",\"output\":{\"s\":" + step + "}}"));
            if (!status.equals("running")) {
              running.remove(id);
            }
          } else {
            // Time passes; the sweep comes only sometimes, as between the real sweep's ticks.
            now.addAndGet(rnd.nextInt(20_000));
            if (rnd.nextBoolean()) {
              relay.sweep();
            }
          }
          relay.drain();
        }
        // The end: everyone online, the devices finish their work, time runs out for the rest.
        for (String d : TARGETS) {
          links.set(d, true);
          relay.deviceOnline(TEAM, d);
        }
        for (int round = 0; round < 12; round++) {
          relay.drain();
          for (String d : TARGETS) {
            for (JsonNode c = links.take(d); c != null; c = links.take(d)) {
              take(relay, d, c, ran, running, now.get());
            }
          }
          for (String id : new ArrayList<>(running)) {
            relay.result(new TokenOwner(TEAM, store.commands().command(TEAM, id).target()), id,
                body("{\"status\":\"succeeded\"}"));
            running.remove(id);
          }
          now.addAndGet(3_600_000);
          relay.sweep();
        }
        relay.drain();
        for (String id : sent) {
          StoredCommand c = store.commands().command(TEAM, id);
          String where = "seed " + seed + ", " + id + ": ";
          assertTrue(c.isFinal(), where + "ended " + c.status());
          List<CommandEvent> h = store.commands().commandHistory(TEAM, id);
          long finals = h.stream().filter(e -> CommandStore.FINAL_STATUSES.contains(e.status()))
              .count();
          assertEquals(1, finals, where + "history " + h);
          assertEquals(c.status(), h.get(h.size() - 1).status(), where + "history " + h);
          if (c.status().equals("expired") || c.status().equals("superseded")) {
            assertFalse(ran.containsKey(id), where + c.status() + " but it ran");
            assertTrue(h.stream().noneMatch(e -> e.status().equals("acked")
                || e.status().equals("running")), where + "history " + h);
          }
          if (ran.containsKey(id)) {
            assertTrue(c.status().equals("succeeded") || c.status().equals("failed"),
                where + "ran but ended " + c.status());
            assertTrue(ran.get(id) < c.expiresAt(), where + "ran after it expired");
          }
          counts.merge(c.status(), 1, Integer::sum);
        }
      } finally {
        relay.close();
      }
    }
  }

  /** The device side of the client: ack, and run only on "acked", once per id. */
  private static void take(CommandRelay relay, String device, JsonNode c,
      Map<String, Long> ran, List<String> running, long now) {
    String id = c.path("commandId").asText();
    StoredCommand after = relay.ack(TEAM, device, id);
    if (after != null && after.status().equals("acked") && ran.putIfAbsent(id, now) == null) {
      running.add(id);
    }
  }

  private static byte[] body(String json) {
    return json.getBytes(StandardCharsets.UTF_8);
  }
}
