package dev.tandem.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tandem.sync.protocol.PushRequest;
import dev.tandem.sync.testing.FakeSyncServer;
import dev.tandem.sync.testing.InMemoryStore;
import dev.tandem.sync.testing.ManualClock;
import dev.tandem.sync.testing.ProbeTransport;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A backlog goes in larger requests (up to the protocol's 1,000 entries) when the batch size is
 * left at its default; an explicit batch size holds always; large records keep a request small.
 */
class EngineBacklogBatchTest {
  private final FakeSyncServer server = new FakeSyncServer();
  private final ManualClock clock = new ManualClock(1_700_000_000_000L);
  private final List<Tandem> opened = new ArrayList<>();

  private Tandem device(ProbeTransport probe, Consumer<Tandem.Builder> settings) {
    Tandem.Builder b = Tandem.builder().store(new InMemoryStore(clock)).deviceId("a")
        .transport(probe).clock(clock).autoSync(false);
    settings.accept(b);
    Tandem t = b.build();
    opened.add(t);
    return t;
  }

  @AfterEach
  void closeAll() {
    opened.forEach(Tandem::close);
  }

  private static void write(Tandem t, int n, String filler) {
    t.batch(b -> {
      for (int i = 0; i < n; i++) {
        b.put("message", "m-" + i, "{\"conversationId\":\"c\",\"text\":\"" + filler + "\"}");
      }
    });
  }

  private static List<Integer> sizes(ProbeTransport probe) {
    List<Integer> out = new ArrayList<>();
    for (PushRequest r : probe.pushes()) {
      out.add(r.changes().size());
    }
    return out;
  }

  @Test
  void aBacklog_goesInBatchesOfUpTo1000_byDefault() {
    ProbeTransport probe = new ProbeTransport(server.transport("a"), clock);
    Tandem a = device(probe, b -> { });
    write(a, 2_500, "x");

    SyncResult r = a.syncNow();

    assertEquals(2_500, r.pushed());
    assertEquals(List.of(1_000, 1_000, 500), sizes(probe));
    assertEquals(0, a.status().pending());
  }

  @Test
  void aSmallBacklog_goesInOneRequest_andFewEntriesInOneAsBefore() {
    ProbeTransport probe = new ProbeTransport(server.transport("a"), clock);
    Tandem a = device(probe, b -> { });
    write(a, 350, "x");
    a.syncNow();
    a.records("message").put("m-late", "{\"conversationId\":\"c\"}");
    a.syncNow();

    assertEquals(List.of(350, 1), sizes(probe));
  }

  @Test
  void anExplicitBatchSize_holdsEvenWithABacklog() {
    ProbeTransport probe = new ProbeTransport(server.transport("a"), clock);
    Tandem a = device(probe, b -> b.batchSize(100));
    write(a, 250, "x");

    assertEquals(250, a.syncNow().pushed());
    assertEquals(List.of(100, 100, 50), sizes(probe));
  }

  @Test
  void largeRecords_stopABacklogRequestPastFourMillionCharacters_butNeverBelowTheBatchSize() {
    ProbeTransport probe = new ProbeTransport(server.transport("a"), clock);
    Tandem a = device(probe, b -> { });
    write(a, 300, "y".repeat(20_000));

    SyncResult r = a.syncNow();

    assertEquals(300, r.pushed());
    // Each record is 20,032 characters: the 210th takes the request past 4 Mi characters.
    assertEquals(List.of(210, 90), sizes(probe));
    assertEquals(0, a.status().pending());
  }
}
