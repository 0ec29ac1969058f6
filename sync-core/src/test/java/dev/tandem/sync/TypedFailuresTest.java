package dev.tandem.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.sync.spi.OutboxEntry;
import dev.tandem.sync.testing.FakeSyncServer;
import dev.tandem.sync.testing.InMemoryStore;
import dev.tandem.sync.testing.ManualClock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Results and status carry the {@link SyncException} that stopped a run, upload and download
 * apart, and the refused entries are listed through {@link Tandem#failedEntries(int)}.
 */
class TypedFailuresTest {
  private final FakeSyncServer server = new FakeSyncServer();
  private final ManualClock clock = new ManualClock(1_700_000_000_000L);
  private final List<Tandem> opened = new ArrayList<>();

  private Tandem open() {
    Tandem t = Tandem.builder().store(new InMemoryStore(clock)).deviceId("a")
        .transport(server.transport("a")).clock(clock).autoSync(false).build();
    opened.add(t);
    return t;
  }

  @AfterEach
  void closeAll() {
    opened.forEach(Tandem::close);
  }

  @Test
  @SuppressWarnings("deprecation")
  void unreachableServer_isADownloadError_inTheResultAndTheStatus() {
    Tandem a = open();
    server.setOffline("a", true);

    SyncResult r = a.syncNow();

    assertFalse(r.ok());
    assertNull(r.uploadError());
    TransportException e = assertInstanceOf(TransportException.class, r.downloadError());
    assertEquals(SyncException.Reason.NETWORK, e.reason());
    assertSame(e, r.failure());
    assertEquals(e.getMessage(), r.error(), "the deprecated text is the failure's message");
    SyncStatus s = a.status();
    assertSame(e, s.downloadError());
    assertNull(s.uploadError());
    assertSame(e, s.failure());
    assertEquals(e.getMessage(), s.lastError());

    server.setOffline("a", false);
    SyncResult ok = a.syncNow();
    assertTrue(ok.ok());
    assertNull(ok.failure());
    assertNull(a.status().failure());
    assertNull(a.status().lastError());
  }

  @Test
  void serverErrorWhilePushing_isAnUploadError_andTheSuccessfulPullLeavesNoDownloadError() {
    Tandem a = open();
    a.records("message").put("m-1", "{}");
    server.failNextPushesWith500(1);

    SyncResult r = a.syncNow();

    assertNull(r.downloadError());
    TransportException e = assertInstanceOf(TransportException.class, r.uploadError());
    assertEquals(SyncException.Reason.SERVER_ERROR, e.reason());
    assertTrue(e.isRetryable());
    assertSame(e, a.status().uploadError());
    assertNull(a.status().downloadError());

    // A later pull failure is the latest failure, though the upload error still stands.
    server.setOffline("a", true);
    SyncResult offline = a.syncNow();
    assertEquals(SyncException.Reason.NETWORK, offline.downloadError().reason());
    assertSame(e, a.status().uploadError());
    assertSame(offline.downloadError(), a.status().failure());

    server.setOffline("a", false);
    clock.advance(10 * 60_000);
    assertTrue(a.syncNow().ok());
    assertNull(a.status().uploadError());
    assertNull(a.status().downloadError());
  }

  @Test
  void noServer_isATypedFailure_notJustText() {
    Tandem local = Tandem.builder().store(new InMemoryStore(clock)).deviceId("l").clock(clock)
        .build();
    opened.add(local);

    SyncResult r = local.syncNow();

    assertFalse(r.ok());
    assertEquals(SyncException.Reason.NOT_CONFIGURED, r.failure().reason());
    assertFalse(r.failure().isRetryable());
    assertEquals("no server configured", r.failure().getMessage());
  }

  @Test
  void failedEntries_listsTheRefusedOnes_oldestFirst_withTheirReason_upToTheLimit() {
    Tandem a = open();
    server.rejectId("bad-1");
    server.rejectId("bad-2");
    a.records("message").put("bad-1", "{}");
    a.records("message").put("good", "{}");
    a.records("message").put("bad-2", "{}");

    SyncResult r = a.syncNow();

    assertTrue(r.ok(), r.toString());
    assertEquals(2, r.failed());
    List<OutboxEntry> failed = a.failedEntries(10);
    assertEquals(2, failed.size());
    assertEquals("bad-1", failed.get(0).entityId());
    assertEquals("bad-2", failed.get(1).entityId());
    assertEquals("message", failed.get(0).type());
    assertEquals(OutboxEntry.Status.FAILED, failed.get(0).status());
    assertEquals("invalid_data: rejected by test", failed.get(0).errorMessage());
    assertEquals(1, a.failedEntries(1).size());
    assertThrows(IllegalArgumentException.class, () -> a.failedEntries(0));

    assertEquals(2, a.retryFailed());
    assertTrue(a.failedEntries(10).isEmpty());
  }

  @Test
  void status_equalsByEveryField_andFailuresByClassReasonAndMessage() {
    TransportException down = new TransportException(SyncException.Reason.NETWORK, 0, null, "x");
    TransportException sameAgain =
        new TransportException(SyncException.Reason.NETWORK, 0, null, "x");
    SyncStatus s = status(1, 2, 3, null, down, SyncStatus.Mode.OFFLINE, "c", 4, 5);
    SyncStatus same = status(1, 2, 3, null, sameAgain, SyncStatus.Mode.OFFLINE, "c", 4, 5);
    assertEquals(s, same);
    assertEquals(s.hashCode(), same.hashCode());
    assertNotEquals(s, null);
    assertNotEquals(s, "SyncStatus");

    List<SyncStatus> others = new ArrayList<>();
    others.add(status(9, 2, 3, null, down, SyncStatus.Mode.OFFLINE, "c", 4, 5));
    others.add(status(1, 9, 3, null, down, SyncStatus.Mode.OFFLINE, "c", 4, 5));
    others.add(status(1, 2, 9, null, down, SyncStatus.Mode.OFFLINE, "c", 4, 5));
    others.add(status(1, 2, 3, down, down, SyncStatus.Mode.OFFLINE, "c", 4, 5));
    others.add(status(1, 2, 3, null, null, SyncStatus.Mode.OFFLINE, "c", 4, 5));
    others.add(status(1, 2, 3, null, new TransportException(SyncException.Reason.NETWORK, 0,
        null, "y"), SyncStatus.Mode.OFFLINE, "c", 4, 5));
    others.add(status(1, 2, 3, null, new TransportException(SyncException.Reason.SERVER_ERROR, 0,
        null, "x"), SyncStatus.Mode.OFFLINE, "c", 4, 5));
    others.add(status(1, 2, 3, null, new StoreException(SyncException.Reason.NETWORK, "x"),
        SyncStatus.Mode.OFFLINE, "c", 4, 5));
    others.add(status(1, 2, 3, null, down, SyncStatus.Mode.LIVE, "c", 4, 5));
    others.add(status(1, 2, 3, null, down, SyncStatus.Mode.OFFLINE, "d", 4, 5));
    others.add(status(1, 2, 3, null, down, SyncStatus.Mode.OFFLINE, null, 4, 5));
    others.add(status(1, 2, 3, null, down, SyncStatus.Mode.OFFLINE, "c", 9, 5));
    others.add(status(1, 2, 3, null, down, SyncStatus.Mode.OFFLINE, "c", 4, 9));
    for (SyncStatus o : others) {
      assertNotEquals(s, o, o.toString());
    }
  }

  @Test
  @SuppressWarnings("deprecation")
  void deprecatedTextForms_stillWork() {
    SyncStatus legacy = new SyncStatus(0, 0, 0, "boom", SyncStatus.Mode.OFFLINE, null);
    assertEquals("boom", legacy.lastError());
    assertNull(legacy.failure());
    assertEquals(legacy, new SyncStatus(0, 0, 0, "boom", SyncStatus.Mode.OFFLINE, null, 0, 0));
    assertNotEquals(legacy, new SyncStatus(0, 0, 0, "bang", SyncStatus.Mode.OFFLINE, null));
    SyncResult r = new SyncResult(1, 2, 0, Collections.<Conflict>emptyList(), "boom");
    assertFalse(r.ok());
    assertEquals("boom", r.error());
    assertNull(r.failure());
    assertTrue(new SyncResult(1, 2, 0, Collections.<Conflict>emptyList(), (String) null).ok());
  }

  private static SyncStatus status(int pending, int failed, long lastSyncAt, SyncException up,
      SyncException down, SyncStatus.Mode mode, String cursor, long offset, long clamped) {
    return new SyncStatus(pending, failed, lastSyncAt, up, down, mode, cursor, offset, clamped);
  }
}
