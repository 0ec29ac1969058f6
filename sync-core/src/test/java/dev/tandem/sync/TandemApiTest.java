package dev.tandem.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.sync.testing.InMemoryStore;
import dev.tandem.sync.testing.ManualClock;
import org.junit.jupiter.api.Test;

class TandemApiTest {
  private final ManualClock clock = new ManualClock(1_000);

  private Tandem open() {
    return Tandem.builder().store(new InMemoryStore(clock)).deviceId("d").clock(clock)
        .maxRecordBytes(1024).registerType("note").build();
  }

  @Test
  void invalidIdsTypesAndJson_failFastWithTheOffendingValue() {
    try (Tandem t = open()) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> t.records("note").put("bad id!", "{}"));
      assertTrue(e.getMessage().contains("bad id!"), e.getMessage());
      e = assertThrows(IllegalArgumentException.class, () -> t.records("Nope"));
      assertTrue(e.getMessage().contains("Nope"));
      e = assertThrows(IllegalArgumentException.class, () -> t.records("unregistered"));
      assertTrue(e.getMessage().contains("registerType"));
      assertThrows(IllegalArgumentException.class, () -> t.records("note").put("n", "[1]"));
      assertThrows(IllegalArgumentException.class, () -> t.records("note").put("n", "{oops"));
      assertEquals(0, t.status().pending());
    }
  }

  @Test
  void recordOverTheLimit_isRefused_andNothingIsWritten() {
    try (Tandem t = open()) {
      StringBuilder big = new StringBuilder("{\"x\":\"");
      for (int i = 0; i < 1100; i++) {
        big.append('a');
      }
      big.append("\"}");
      StoreException e = assertThrows(StoreException.class,
          () -> t.records("note").put("n", big.toString()));
      assertEquals(SyncException.Reason.RECORD_TOO_LARGE, e.reason());
      assertNull(t.records("note").get("n"));
      assertEquals(0, t.status().pending());
    }
  }

  @Test
  void batch_isAllOrNothing() {
    try (Tandem t = open()) {
      assertThrows(IllegalStateException.class, () -> t.batch(b -> {
        b.put("note", "a", "{}");
        throw new IllegalStateException("boom");
      }));
      assertNull(t.records("note").get("a"));
      assertEquals(0, t.status().pending());
      t.batch(b -> {
        b.put("note", "a", "{}");
        b.put("note", "b", "{}");
        b.putLocalState("import:x", "fp");
      });
      assertEquals(2, t.status().pending());
      assertEquals("fp", t.localState("import:x"));
    }
  }

  @Test
  void useAfterClose_throwsClosedException() {
    Tandem t = open();
    Records notes = t.records("note");
    t.close();
    t.close();
    assertThrows(ClosedException.class, () -> t.records("note"));
    assertThrows(ClosedException.class, () -> notes.put("n", "{}"));
    assertThrows(ClosedException.class, t::syncNow);
  }

  @Test
  void builder_singleValuedSettings_failIfSetTwice() {
    Tandem.Builder b = Tandem.builder().deviceId("a");
    assertThrows(IllegalStateException.class, () -> b.deviceId("b"));
    assertThrows(IllegalStateException.class, () -> Tandem.builder().build());
    assertThrows(IllegalArgumentException.class, () -> Tandem.builder().registerType("message"));
  }

  @Test
  void deviceId_isGeneratedAndStoredInSyncState_whenNotGiven() {
    InMemoryStore store = new InMemoryStore(clock);
    String first;
    try (Tandem t = Tandem.builder().store(store).build()) {
      first = t.deviceId();
      assertTrue(Ids.isValidId(first));
      assertEquals(first, store.state("device_id"));
    }
  }
}
