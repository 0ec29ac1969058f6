package dev.tandem.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.sync.internal.Json;
import dev.tandem.sync.redact.Redactors;
import dev.tandem.sync.testing.FakeSyncServer;
import dev.tandem.sync.testing.InMemoryStore;
import dev.tandem.sync.testing.ManualClock;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What the devices see of a secret: the origin keeps its text, the server and every other device
 * get the mask, and a remote edit of another field never writes the mask over the origin's copy.
 */
class RedactionSyncTest {
  // Made-up key in the GitHub classic token shape (ghp_ + 36 base62).
  private static final String KEY = "ghp_" + "Q7vT2mXb9LkP4sWz8Rn1Yc6Hd3Jf5Ga0Ue2K";
  private static final String TEXT = "deploy with " + KEY + " then restart";
  private static final String MASKED = "deploy with " + Redactors.MASK + " then restart";

  private final FakeSyncServer server = new FakeSyncServer();
  private final ManualClock clock = new ManualClock(1_700_000_000_000L);
  private final List<Tandem> opened = new ArrayList<>();

  private Tandem device(String id) {
    Tandem t = Tandem.builder().store(new InMemoryStore(clock)).deviceId(id)
        .transport(server.transport(id)).clock(clock).autoSync(false).build();
    opened.add(t);
    return t;
  }

  @AfterEach
  void closeAll() {
    opened.forEach(Tandem::close);
  }

  private static ObjectNode data(Tandem t, String id) {
    return t.records("message").get(id).data();
  }

  private static ObjectNode message(String content, String title) {
    return Json.object().put("conversationId", "c-1").put("content", content)
        .put("title", title);
  }

  @Test
  void receivingDevice_seesTheMask_originKeepsItsText() {
    Tandem a = device("a");
    Tandem b = device("b");
    a.records("message").put("m-1", message(TEXT, "t1"));
    a.syncNow();
    b.syncNow();
    assertEquals(MASKED, data(b, "m-1").get("content").asText());
    assertFalse(server.contents().get("message/m-1").data().contains(KEY));
    assertEquals(TEXT, data(a, "m-1").get("content").asText());
  }

  @Test
  void remoteEditOfAnotherField_keepsTheOriginsUnredactedText() {
    Tandem a = device("a");
    Tandem b = device("b");
    a.records("message").put("m-1", message(TEXT, "t1"));
    a.syncNow();
    b.syncNow();
    clock.advance(1_000);
    ObjectNode edited = data(b, "m-1").put("title", "renamed on b");
    b.records("message").put("m-1", edited);
    b.syncNow();

    SyncResult pulled = a.syncNow();
    assertEquals(1, pulled.pulled(), pulled.toString());
    ObjectNode onA = data(a, "m-1");
    assertEquals("renamed on b", onA.get("title").asText());
    assertEquals(TEXT, onA.get("content").asText());
    // The server and b still hold only the mask; nothing re-sent the key.
    assertFalse(server.contents().get("message/m-1").data().contains(KEY));
    assertEquals(0, a.status().pending());
  }

  @Test
  void remoteEdit_winningAConflict_stillKeepsTheOriginsText() {
    Tandem a = device("a");
    Tandem b = device("b");
    a.records("message").put("m-1", message(TEXT, "t1").put("pinned", false));
    a.syncNow();
    b.syncNow();
    // a edits a third field first (pending), b edits the title later: b's version is newer and
    // wins whole under last-write-wins, but what it carries of a's text is only the mask.
    clock.advance(1_000);
    a.records("message").put("m-1", data(a, "m-1").put("pinned", true));
    clock.advance(1_000);
    b.records("message").put("m-1", data(b, "m-1").put("title", "renamed on b"));
    b.syncNow();
    a.syncNow();
    ObjectNode onA = data(a, "m-1");
    assertEquals("renamed on b", onA.get("title").asText());
    assertEquals(TEXT, onA.get("content").asText());
  }

  @Test
  void pendingEditOfTheSecretText_remoteWinsByClock_theBaseTextComesBackNotTheMask() {
    Tandem a = device("a");
    Tandem b = device("b");
    a.records("message").put("m-1", message(TEXT, "t1"));
    a.syncNow();
    b.syncNow();
    // a rewrites the text (still holding the key) but has not synced; b renames later. b's
    // version wins whole by clock; the text it carries is the mask of a's last synced text,
    // which a still has as its base.
    clock.advance(1_000);
    a.records("message").put("m-1", message(TEXT + " twice", "t1"));
    clock.advance(1_000);
    b.records("message").put("m-1", data(b, "m-1").put("title", "renamed on b"));
    b.syncNow();
    a.syncNow();
    ObjectNode onA = data(a, "m-1");
    assertEquals("renamed on b", onA.get("title").asText());
    assertEquals(TEXT, onA.get("content").asText());
  }

  @Test
  void nestedBlocks_areRestoredInPlace() {
    Tandem a = device("a");
    Tandem b = device("b");
    ObjectNode msg = Json.object().put("conversationId", "c-1");
    msg.putArray("content").addObject().put("type", "text").put("text", TEXT);
    msg.withArray("content").addObject().put("type", "text").put("text", "plain");
    a.records("message").put("m-2", msg);
    a.syncNow();
    b.syncNow();
    clock.advance(1_000);
    ObjectNode onB = data(b, "m-2");
    assertEquals(MASKED, onB.get("content").get(0).get("text").asText());
    onB.put("title", "x");
    b.records("message").put("m-2", onB);
    b.syncNow();
    a.syncNow();
    assertEquals(TEXT, data(a, "m-2").get("content").get(0).get("text").asText());
    assertEquals("x", data(a, "m-2").get("title").asText());
  }

  @Test
  void remoteEditOfTheMaskedFieldItself_wins() {
    // The receiving device never had the secret; if it rewrites that very text, its words win
    // everywhere, as for any other edit.
    Tandem a = device("a");
    Tandem b = device("b");
    a.records("message").put("m-1", message(TEXT, "t1"));
    a.syncNow();
    b.syncNow();
    clock.advance(1_000);
    b.records("message").put("m-1", data(b, "m-1").put("content", MASKED + " (edited)"));
    b.syncNow();
    a.syncNow();
    assertEquals(MASKED + " (edited)", data(a, "m-1").get("content").asText());
  }

  @Test
  void thirdDevice_joiningLater_seesTheMask() {
    Tandem a = device("a");
    a.records("message").put("m-1", message(TEXT, "t1"));
    a.syncNow();
    Tandem c = device("c");
    c.syncNow();
    assertTrue(data(c, "m-1").get("content").asText().contains(Redactors.MASK));
  }
}
