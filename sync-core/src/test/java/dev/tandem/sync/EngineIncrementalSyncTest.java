package dev.tandem.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.sync.protocol.Change;
import dev.tandem.sync.testing.FakeSyncServer;
import dev.tandem.sync.testing.InMemoryStore;
import dev.tandem.sync.testing.ManualClock;
import dev.tandem.sync.testing.ProbeTransport;
import dev.tandem.sync.testing.TrackingStore;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Incremental sync through the real engine against the in-memory server: the pull cursor is kept
 * and resumed, conflicts the server decides are recorded and reported, entries the server kept a
 * newer version of are settled in the same cycle.
 */
class EngineIncrementalSyncTest {
  private final FakeSyncServer server = new FakeSyncServer();
  private final ManualClock clock = new ManualClock(1_700_000_000_000L);
  private final List<Tandem> opened = new ArrayList<>();

  private Tandem open(String deviceId, dev.tandem.sync.spi.LocalStore store,
      dev.tandem.sync.spi.Transport transport) {
    Tandem t = Tandem.builder().store(store).deviceId(deviceId).transport(transport).clock(clock)
        .autoSync(false).build();
    opened.add(t);
    return t;
  }

  private Tandem device(String deviceId) {
    return open(deviceId, new InMemoryStore(clock), server.transport(deviceId));
  }

  @AfterEach
  void closeAll() {
    opened.forEach(Tandem::close);
  }

  @Test
  void pullCursor_isSaved_soTheNextCycleAsksOnlyForWhatIsNew() {
    Tandem a = device("a");
    for (int i = 0; i < 3; i++) {
      a.records("message").put("m-" + i, "{\"conversationId\":\"c\",\"i\":" + i + "}");
    }
    a.syncNow();
    ProbeTransport probe = new ProbeTransport(server.transport("b"), clock);
    Tandem b = open("b", new InMemoryStore(clock), probe);

    assertEquals(3, b.syncNow().pulled());
    assertEquals("3", b.status().cursor());
    a.records("message").put("m-3", "{\"conversationId\":\"c\",\"i\":3}");
    a.syncNow();
    SyncResult second = b.syncNow();

    assertEquals(1, second.pulled(), second.toString());
    assertEquals(Arrays.asList(null, "3"), probe.pullCursors());
    assertEquals("4", b.status().cursor());
  }

  @Test
  void pullCursor_survivesARestart_andTheRestartedDeviceDownloadsOnlyNewChanges() {
    Tandem a = device("a");
    for (int i = 0; i < 5; i++) {
      a.records("message").put("m-" + i, "{\"conversationId\":\"c\"}");
    }
    a.syncNow();
    InMemoryStore disk = new InMemoryStore(clock);
    Tandem before = open("b", new TrackingStore(disk, true), server.transport("b"));
    assertEquals(5, before.syncNow().pulled());
    before.close();

    a.records("message").put("m-new", "{\"conversationId\":\"c\"}");
    a.syncNow();
    ProbeTransport probe = new ProbeTransport(server.transport("b"), clock);
    Tandem after = open("b", new TrackingStore(disk, true), probe);
    SyncResult r = after.syncNow();

    assertEquals(1, r.pulled(), r.toString());
    assertEquals(Arrays.asList("5"), probe.pullCursors());
    assertNotNull(after.records("message").get("m-new"));
  }

  @Test
  void conflictTheServerDecided_isRecorded_firedToListeners_andReturned() {
    Tandem a = device("a");
    ProbeTransport probe = new ProbeTransport(server.transport("b"), clock);
    Tandem b = open("b", new InMemoryStore(clock), probe);
    List<Conflict> heard = new ArrayList<>();
    b.addListener(new SyncListener() {
      @Override
      public void onConflict(Conflict conflict) {
        heard.add(conflict);
      }
    }, Runnable::run);
    a.records("conversation").put("c", "{\"title\":\"a\"}");
    clock.advance(100);
    Record mine = b.records("conversation").put("c", "{\"title\":\"b\"}");
    // a's older edit reaches the server after b pulled but before b pushes: the server sees b's
    // newer version arrive on a base it no longer holds and decides for it.
    probe.beforeNextPush(a::syncNow);
    clock.advance(100);

    SyncResult r = b.syncNow();

    assertTrue(r.ok(), r.toString());
    assertEquals(1, r.conflicts().size(), r.toString());
    Conflict c = r.conflicts().get(0);
    assertEquals("conversation", c.type());
    assertEquals("c", c.id());
    assertEquals(Conflict.LOCAL_WINS, c.resolution());
    assertEquals(mine.hlc(), c.remoteHlc());
    assertEquals(clock.millis(), c.decidedAt());
    assertEquals(Arrays.asList(c), b.conflicts(10));
    assertEquals(Arrays.asList(c), heard);
    assertEquals("{\"title\":\"b\"}", server.contents().get("conversation/c").data());
  }

  @Test
  void versionTheServerKeptNewer_isPulledInTheSameCycle_andTheEntryIsSettled() {
    Tandem a = device("a");
    ProbeTransport probe = new ProbeTransport(server.transport("b"), clock);
    Tandem b = open("b", new InMemoryStore(clock), probe);
    b.records("conversation").put("c", "{\"title\":\"b\"}");
    clock.advance(100);
    a.records("conversation").put("c", "{\"title\":\"a\"}");
    // a's newer edit lands between b's pull and b's push: the server keeps it.
    probe.beforeNextPush(a::syncNow);

    SyncResult r = b.syncNow();

    assertTrue(r.ok(), r.toString());
    assertEquals(0, r.pushed());
    assertEquals("{\"title\":\"a\"}", b.records("conversation").get("c").json());
    assertEquals(0, b.status().pending());
    assertEquals(Arrays.asList(null, "0"), probe.pullCursors());
    assertEquals(1, r.conflicts().size(), r.toString());
    assertEquals(Conflict.REMOTE_WINS, r.conflicts().get(0).resolution());
    assertEquals("{\"title\":\"b\"}", r.conflicts().get(0).localValue());
    assertEquals("{\"title\":\"a\"}", r.conflicts().get(0).remoteValue());
  }

  @Test
  void entryTheServerRankedOlder_thatNoPullResolves_isSettled_notResentEveryCycle() {
    // A reinstall under the same device id whose wall clock runs behind: the server holds this
    // device's own later version, which a pull skips as an echo, so only the server's ranking
    // can settle the older local edit.
    Tandem first = open("a", new InMemoryStore(clock), server.transport("a"));
    first.records("conversation").put("c", "{\"title\":\"kept\"}");
    first.syncNow();
    ManualClock behind = new ManualClock(clock.millis() - 60_000);
    ProbeTransport probe = new ProbeTransport(server.transport("a"), behind);
    Tandem reinstalled = Tandem.builder().store(new InMemoryStore(behind)).deviceId("a")
        .transport(probe).clock(behind).autoSync(false).build();
    opened.add(reinstalled);
    reinstalled.records("conversation").put("c", "{\"title\":\"older\"}");

    SyncResult r = reinstalled.syncNow();

    assertTrue(r.ok(), r.toString());
    assertEquals(0, reinstalled.status().pending());
    assertEquals("{\"title\":\"kept\"}", server.contents().get("conversation/c").data());
    int pushes = probe.pushes().size();
    reinstalled.syncNow();
    assertEquals(pushes, probe.pushes().size());
  }

  @Test
  void deletedMessageOfALocalOnlyConversation_neverLeavesTheDevice() {
    Tandem a = device("a");
    a.conversations().save(Conversation.builder("secret").title("private")
        .privacy(Conversation.PRIVACY_LOCAL_ONLY).build());
    a.messages().save(Message.builder("m-1", "secret").role("user").content("hi").build());
    a.syncNow();
    assertTrue(a.messages().delete("m-1"));
    assertEquals(1, a.status().pending());

    SyncResult r = a.syncNow();

    assertTrue(r.ok(), r.toString());
    assertEquals(0, r.pushed());
    assertEquals(0, a.status().pending());
    assertTrue(server.contents().isEmpty(), server.contents().toString());
  }

  @Test
  void deletedMessageOfASyncedConversation_leavesTheDevice() {
    Tandem a = device("a");
    Tandem b = device("b");
    a.conversations().save(Conversation.builder("open").title("public").build());
    a.messages().save(Message.builder("m-1", "open").role("user").content("hi").build());
    a.syncNow();
    b.syncNow();
    assertTrue(a.messages().delete("m-1"));

    assertEquals(1, a.syncNow().pushed());
    b.syncNow();

    Change stored = server.contents().get("message/m-1");
    assertTrue(stored.isDelete());
    assertNull(b.messages().get("m-1"));
  }

  @Test
  void messageMadeLocalOnlyAfterItSynced_staysOnTheServerButItsLaterEditsDoNot() {
    Tandem a = device("a");
    a.conversations().save(Conversation.builder("c").title("t").build());
    a.messages().save(Message.builder("m", "c").role("user").content("v1").build());
    a.syncNow();
    a.conversations().setPrivacy("c", Conversation.PRIVACY_LOCAL_ONLY);
    a.messages().save(Message.builder("m", "c").role("user").content("v2").build());

    a.syncNow();

    assertTrue(server.contents().get("message/m").data().contains("v1"));
    assertEquals(0, a.status().pending());
  }
}
