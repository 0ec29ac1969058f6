package dev.tandem.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.sync.redact.Redactors;
import dev.tandem.sync.protocol.Change;
import dev.tandem.sync.spi.OutboxEntry;
import dev.tandem.sync.testing.FakeSyncServer;
import dev.tandem.sync.testing.InMemoryStore;
import dev.tandem.sync.testing.ManualClock;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SyncEngineTest {
  private final FakeSyncServer server = new FakeSyncServer();
  private final ManualClock clock = new ManualClock(1_700_000_000_000L);
  private final List<Tandem> opened = new ArrayList<>();

  private Tandem device(String id) {
    Tandem t = Tandem.builder()
        .store(new InMemoryStore(clock))
        .deviceId(id)
        .transport(server.transport(id))
        .clock(clock)
        .autoSync(false)
        .build();
    opened.add(t);
    return t;
  }

  @AfterEach
  void closeAll() {
    opened.forEach(Tandem::close);
  }

  private static InMemoryStore mem(Tandem t) {
    return (InMemoryStore) t.store();
  }

  @Test
  void create_onA_appearsOnB() {
    Tandem a = device("a");
    Tandem b = device("b");
    a.conversations().save(Conversation.builder("c-1").title("Hello").build());
    SyncResult pushed = a.syncNow();
    assertTrue(pushed.ok(), pushed.toString());
    assertEquals(1, pushed.pushed());
    SyncResult pulled = b.syncNow();
    assertEquals(1, pulled.pulled());
    assertEquals("Hello", b.conversations().get("c-1").title());
    assertEquals(0, a.status().pending());
  }

  @Test
  void updateAndDelete_propagate_asTombstones() {
    Tandem a = device("a");
    Tandem b = device("b");
    a.records("message").put("m-1", "{\"conversationId\":\"c\",\"content\":\"v1\"}");
    a.syncNow();
    b.syncNow();
    b.records("message").put("m-1", "{\"conversationId\":\"c\",\"content\":\"v2\"}");
    b.syncNow();
    a.syncNow();
    assertEquals("{\"conversationId\":\"c\",\"content\":\"v2\"}",
        a.records("message").get("m-1").json());
    assertTrue(a.records("message").delete("m-1"));
    a.syncNow();
    b.syncNow();
    assertNull(b.records("message").get("m-1"));
    assertTrue(b.store().get("message", "m-1").current().deleted());
    assertTrue(server.contents().get("message/m-1").isDelete());
  }

  @Test
  void ownEchoes_areNotReapplied() {
    Tandem a = device("a");
    a.records("message").put("m-1", "{\"x\":1}");
    a.syncNow();
    SyncResult again = a.syncNow();
    assertEquals(0, again.pulled());
  }

  @Test
  void bothEditOffline_lastWriteWins_andAllConverge_withConflictRecorded() {
    Tandem a = device("a");
    Tandem b = device("b");
    a.records("conversation").put("c", "{\"title\":\"base\"}");
    a.syncNow();
    b.syncNow();
    server.setOffline("a", true);
    server.setOffline("b", true);
    a.records("conversation").put("c", "{\"title\":\"from a\"}");
    clock.advance(10);
    b.records("conversation").put("c", "{\"title\":\"from b\"}");
    assertFalse(a.syncNow().ok());
    assertEquals(SyncStatus.Mode.OFFLINE, a.status().mode());
    server.setOffline("a", false);
    server.setOffline("b", false);
    a.syncNow();
    b.syncNow();
    a.syncNow();
    assertEquals("{\"title\":\"from b\"}", a.records("conversation").get("c").json());
    assertEquals("{\"title\":\"from b\"}", b.records("conversation").get("c").json());
    assertEquals(mem(a).snapshot(), mem(b).snapshot());
    // b's later edit met a's on b (pulled before pushing): b decided and recorded it.
    assertEquals(1, b.conflicts(10).size());
    assertEquals(Conflict.LOCAL_WINS, b.conflicts(10).get(0).resolution());
  }

  @Test
  void lostResponse_isResent_andStoredOnce() {
    Tandem a = device("a");
    Tandem b = device("b");
    a.records("message").put("m-1", "{\"n\":1}");
    server.loseNextResponse("a");
    assertFalse(a.syncNow().ok());
    assertEquals(1, a.status().pending());
    assertTrue(a.syncNow().ok());
    assertEquals(0, a.status().pending());
    assertEquals(1, server.storedWrites());
    b.syncNow();
    assertEquals("{\"n\":1}", b.records("message").get("m-1").json());
  }

  @Test
  void poisonEntry_isParkedAsFailed_andEverythingBehindItSyncs() {
    Tandem a = device("a");
    server.rejectId("poison");
    a.records("message").put("poison", "{}");
    for (int i = 0; i < 5; i++) {
      a.records("message").put("ok-" + i, "{}");
    }
    SyncResult r = a.syncNow();
    assertEquals(5, r.pushed());
    assertEquals(1, r.failed());
    SyncStatus s = a.status();
    assertEquals(0, s.pending());
    assertEquals(1, s.failed());
    OutboxEntry failed = mem(a).outbox().get(0);
    assertEquals(OutboxEntry.Status.FAILED, failed.status());
    assertTrue(failed.errorMessage().contains("invalid_data"), failed.errorMessage());
    assertEquals(1, a.retryFailed());
    assertEquals(1, a.status().pending());
  }

  @Test
  void serverErrors_backOff_30_60_120_300_thenFailAfterTenTries() {
    Tandem a = device("a");
    a.records("message").put("m", "{}");
    server.failNextPushesWith500(100);
    long[] expectedBase = {30_000, 60_000, 120_000, 300_000, 300_000};
    for (int attempt = 1; attempt <= 10; attempt++) {
      long before = clock.millis();
      a.syncNow();
      OutboxEntry e = mem(a).outbox().get(0);
      assertEquals(attempt, e.retryCount());
      if (attempt < 10) {
        assertEquals(OutboxEntry.Status.PENDING, e.status());
        long delay = e.nextAttemptAt() - before;
        long base = expectedBase[Math.min(attempt, expectedBase.length) - 1];
        assertTrue(delay >= base * 0.8 && delay <= base * 1.2, attempt + ": " + delay);
        // Not due yet: a sync before the delay sends nothing.
        int pushes = server.pushCount();
        a.syncNow();
        assertEquals(pushes, server.pushCount());
        clock.advance(delay);
      } else {
        assertEquals(OutboxEntry.Status.FAILED, e.status());
      }
    }
    assertEquals(1, a.status().failed());
  }

  @Test
  void refusedEntry_retriedByHand_afterTheServerChangedItsMind_isANewBatchAndSyncs() {
    Tandem a = device("a");
    server.rejectId("m");
    a.records("message").put("m", "{}");
    a.syncNow();
    assertEquals(1, a.status().failed());
    server.acceptId("m");
    clock.advance(1000);
    assertEquals(1, a.retryFailed());
    SyncResult r = a.syncNow();
    assertEquals(1, r.pushed(), r.toString());
    assertNotNull(server.contents().get("message/m"));
  }

  @Test
  void cursorRefusedByServer_pullsFromTheBeginning_andConverges() {
    Tandem a = device("a");
    Tandem b = device("b");
    a.records("message").put("m-1", "{}");
    a.syncNow();
    b.syncNow();
    a.records("message").put("m-2", "{}");
    a.syncNow();
    server.refuseNextCursor();
    SyncResult r = b.syncNow();
    assertTrue(r.ok(), r.toString());
    assertNotNull(b.records("message").get("m-2"));
  }

  @Test
  void rateLimited_waitsAtLeastRetryAfter() {
    Tandem a = device("a");
    a.records("message").put("m", "{}");
    server.rateLimitNextPush(900_000);
    long before = clock.millis();
    assertFalse(a.syncNow().ok());
    OutboxEntry e = mem(a).outbox().get(0);
    assertEquals(1, e.retryCount());
    assertEquals(before + 900_000, e.nextAttemptAt());
    clock.advance(900_000);
    assertTrue(a.syncNow().ok());
    assertEquals(0, a.status().pending());
  }

  @Test
  void longOffline_withTenThousandQueuedWrites_allArrive_andTriesAreNotCounted() {
    Tandem a = device("a");
    Tandem b = device("b");
    server.setOffline("a", true);
    a.batch(batch -> {
      for (int i = 0; i < 10_000; i++) {
        batch.put("message", "m-" + i, "{\"conversationId\":\"c\",\"i\":" + i + "}");
      }
    });
    for (int hour = 0; hour < 24; hour++) {
      clock.advance(3_600_000);
      assertFalse(a.syncNow().ok());
    }
    assertEquals(10_000, a.status().pending());
    assertEquals(0, mem(a).outbox().get(0).retryCount());
    server.setOffline("a", false);
    SyncResult r = a.syncNow();
    assertEquals(10_000, r.pushed(), r.toString());
    b.syncNow();
    assertEquals(10_000, b.store().history().countByConversation("message", "c"));
  }

  @Test
  void localOnlyConversation_neverLeavesTheDevice_untilSwitchedBack() {
    Tandem a = device("a");
    Tandem b = device("b");
    a.conversations().save(Conversation.builder("secret").title("private")
        .privacy(Conversation.PRIVACY_LOCAL_ONLY).build());
    a.messages().save(Message.builder("m-1", "secret").role("user").content("hi").ts(1).build());
    a.conversations().save(Conversation.builder("open").title("public").build());
    a.syncNow();
    assertFalse(server.contents().containsKey("conversation/secret"));
    assertFalse(server.contents().containsKey("message/m-1"));
    assertTrue(server.contents().containsKey("conversation/open"));
    assertEquals(0, a.status().pending());
    a.conversations().setPrivacy("secret", Conversation.PRIVACY_SYNC);
    a.syncNow();
    b.syncNow();
    assertEquals("hi", b.messages().get("m-1").text());
  }

  @Test
  void redactor_masksOutgoing_butLocalCopyStaysIntact() {
    Tandem a = device("a");
    String key = "sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123456789";
    a.records("message").put("m", "{\"content\":\"my key is " + key + "\"}");
    a.syncNow();
    Change sent = server.contents().get("message/m");
    assertFalse(sent.data().contains(key), sent.data());
    assertTrue(sent.data().contains(Redactors.MASK));
    assertTrue(a.records("message").get("m").json().contains(key));
  }

  @Test
  void syncFilter_keepsRejectedRecordsLocal() {
    FakeSyncServer s = server;
    Tandem a = Tandem.builder().store(new InMemoryStore(clock)).deviceId("a")
        .transport(s.transport("a")).clock(clock).autoSync(false)
        .syncFilter(r -> !r.id().startsWith("tmp-")).build();
    opened.add(a);
    a.records("message").put("tmp-1", "{}");
    a.records("message").put("keep", "{}");
    a.syncNow();
    assertNotNull(s.contents().get("message/keep"));
    assertNull(s.contents().get("message/tmp-1"));
  }

  @Test
  void listeners_hearRemoteChangesAndConflicts() {
    Tandem a = device("a");
    Tandem b = device("b");
    List<Record> remote = new ArrayList<>();
    List<Conflict> conflicts = new ArrayList<>();
    b.addListener(new SyncListener() {
      @Override
      public void onRemoteChange(Record record) {
        remote.add(record);
      }

      @Override
      public void onConflict(Conflict conflict) {
        conflicts.add(conflict);
      }
    }, Runnable::run);
    a.records("conversation").put("c", "{\"v\":1}");
    a.syncNow();
    b.syncNow();
    assertEquals(1, remote.size());
    b.records("conversation").put("c", "{\"v\":\"b\"}");
    clock.advance(5);
    a.records("conversation").put("c", "{\"v\":\"a\"}");
    a.syncNow();
    b.syncNow();
    assertEquals(1, conflicts.size());
    assertEquals(Conflict.REMOTE_WINS, conflicts.get(0).resolution());
    assertEquals("{\"v\":\"a\"}", b.records("conversation").get("c").json());
  }

  @Test
  void noServer_syncNowSaysSo() {
    Tandem t = Tandem.builder().store(new InMemoryStore(clock)).deviceId("solo").build();
    opened.add(t);
    SyncResult r = t.syncNow();
    assertFalse(r.ok());
    assertEquals(SyncStatus.Mode.LOCAL_ONLY, t.status().mode());
  }
}
