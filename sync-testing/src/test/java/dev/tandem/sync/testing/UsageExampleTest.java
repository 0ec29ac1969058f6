package dev.tandem.sync.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tandem.sync.Conversation;
import dev.tandem.sync.Tandem;
import dev.tandem.sync.protocol.Change;
import org.junit.jupiter.api.Test;

/** The example of sync-testing/README.md, as a host would write it. */
class UsageExampleTest {
  @Test
  void aSaveIsPushedByTheWorker_onVirtualTime() {
    ManualClock clock = new ManualClock(1_700_000_000_000L);
    ManualScheduler scheduler = new ManualScheduler(clock);
    FakeSyncServer server = new FakeSyncServer();
    try (Tandem a = Tandem.builder().store(new InMemoryStore(clock)).deviceId("a")
        .transport(server.transport("a")).clock(clock).scheduler(scheduler).build()) {
      scheduler.runDue();
      a.conversations().save(Conversation.builder("c-1").title("Fix the build").build());
      assertEquals(0, server.changes().size(), "nothing is sent before the flush delay");
      scheduler.advance(1_000);
      assertEquals(1, server.changes().size());
      Change stored = server.changes().get(0);
      assertEquals("conversation", stored.type());
      assertEquals("c-1", stored.id());
      assertEquals("a", stored.deviceId());
    }
  }
}
