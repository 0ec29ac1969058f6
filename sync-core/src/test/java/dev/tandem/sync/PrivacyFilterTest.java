package dev.tandem.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.sync.protocol.Change;
import dev.tandem.sync.protocol.PushRequest;
import dev.tandem.sync.testing.FakeSyncServer;
import dev.tandem.sync.testing.InMemoryStore;
import dev.tandem.sync.testing.ManualClock;
import dev.tandem.sync.testing.ProbeTransport;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Local-only conversations never leave the device, deletes included: a tombstone carries no
 * content, but it still tells the server that a record existed, when, and from which device. Every
 * case runs through the real engine and looks at what was actually pushed.
 */
class PrivacyFilterTest {
  private final FakeSyncServer server = new FakeSyncServer();
  private final ManualClock clock = new ManualClock(1_700_000_000_000L);
  private final List<Tandem> opened = new ArrayList<>();

  private Tandem open(String deviceId, dev.tandem.sync.spi.Transport transport) {
    Tandem t = Tandem.builder().store(new InMemoryStore(clock)).deviceId(deviceId)
        .transport(transport).clock(clock).autoSync(false).build();
    opened.add(t);
    return t;
  }

  @AfterEach
  void closeAll() {
    opened.forEach(Tandem::close);
  }

  private static List<String> sent(ProbeTransport probe) {
    List<String> keys = new ArrayList<>();
    for (PushRequest request : probe.pushes()) {
      for (Change c : request.changes()) {
        keys.add(c.type() + "/" + c.id() + (c.isDelete() ? " deleted" : ""));
      }
    }
    return keys;
  }

  private static void saveLocalOnly(Tandem t, String id) {
    t.conversations().save(Conversation.builder(id).title("private")
        .privacy(Conversation.PRIVACY_LOCAL_ONLY).build());
  }

  private static void saveMessage(Tandem t, String id, String conversationId) {
    t.messages().save(Message.builder(id, conversationId).role("user").content("hi").build());
  }

  @Test
  void messageCreatedAndDeleted_betweenSyncs_inALocalOnlyConversation_staysHome() {
    ProbeTransport probe = new ProbeTransport(server.transport("a"), clock);
    Tandem a = open("a", probe);
    saveLocalOnly(a, "secret");
    assertTrue(a.syncNow().ok());
    saveMessage(a, "m-1", "secret");
    assertTrue(a.messages().delete("m-1"));

    SyncResult r = a.syncNow();

    assertTrue(r.ok(), r.toString());
    assertEquals(0, r.pushed());
    assertEquals(Arrays.asList(), sent(probe));
    assertEquals(0, a.status().pending(), "settled locally, not left pending");
    assertTrue(server.contents().isEmpty(), server.contents().toString());
  }

  @Test
  void localOnlyConversation_createdFilledAndDeletedBeforeAnySync_staysHome() {
    ProbeTransport probe = new ProbeTransport(server.transport("a"), clock);
    Tandem a = open("a", probe);
    saveLocalOnly(a, "secret");
    saveMessage(a, "m-1", "secret");
    saveMessage(a, "m-2", "secret");
    assertTrue(a.messages().delete("m-1"));
    assertTrue(a.conversations().delete("secret"));

    SyncResult r = a.syncNow();

    assertTrue(r.ok(), r.toString());
    assertEquals(Arrays.asList(), sent(probe));
    assertEquals(0, a.status().pending());
    assertTrue(server.contents().isEmpty(), server.contents().toString());
  }

  @Test
  void deletingASettledLocalOnlyConversation_sendsNeitherItsTombstoneNorItsMessages() {
    ProbeTransport probe = new ProbeTransport(server.transport("a"), clock);
    Tandem a = open("a", probe);
    saveLocalOnly(a, "secret");
    saveMessage(a, "m-1", "secret");
    saveMessage(a, "m-2", "secret");
    assertTrue(a.syncNow().ok());
    assertEquals(0, a.status().pending());

    assertTrue(a.conversations().delete("secret"));
    assertEquals(3, a.status().pending());
    SyncResult r = a.syncNow();

    assertTrue(r.ok(), r.toString());
    assertEquals(0, r.pushed());
    assertEquals(Arrays.asList(), sent(probe));
    assertEquals(0, a.status().pending());
    assertTrue(server.contents().isEmpty(), server.contents().toString());
    assertNull(a.conversations().get("secret"));
    assertNull(a.messages().get("m-1"));
  }

  @Test
  void conversationMadeLocalOnlyAfterItSynced_keepsItsLastSharedVersionElsewhere_evenWhenDeleted() {
    ProbeTransport probe = new ProbeTransport(server.transport("a"), clock);
    Tandem a = open("a", probe);
    Tandem b = open("b", server.transport("b"));
    a.conversations().save(Conversation.builder("c").title("shared once").build());
    saveMessage(a, "m", "c");
    assertTrue(a.syncNow().ok());
    assertTrue(b.syncNow().ok());
    int pushesWhileShared = probe.pushes().size();
    a.conversations().setPrivacy("c", Conversation.PRIVACY_LOCAL_ONLY);
    assertTrue(a.syncNow().ok());

    assertTrue(a.conversations().delete("c"));
    assertTrue(a.syncNow().ok());
    assertTrue(b.syncNow().ok());

    assertEquals(pushesWhileShared, probe.pushes().size(), "nothing sent once it was local-only");
    assertFalse(server.contents().get("conversation/c").isDelete());
    assertFalse(server.contents().get("message/m").isDelete());
    assertEquals("shared once", b.conversations().get("c").title(),
        "other devices keep the version last shared");
    assertNotNull(b.messages().get("m"));
    assertNull(a.conversations().get("c"));
    assertEquals(0, a.status().pending());
  }

  @Test
  void liveMessage_ofADeletedLocalOnlyConversation_staysHome() {
    ProbeTransport probe = new ProbeTransport(server.transport("a"), clock);
    Tandem a = open("a", probe);
    saveLocalOnly(a, "secret");
    assertTrue(a.syncNow().ok());
    assertTrue(a.conversations().delete("secret"));
    // A record written later that still names the deleted conversation, e.g. by an importer.
    saveMessage(a, "late", "secret");

    assertTrue(a.syncNow().ok());

    assertEquals(Arrays.asList(), sent(probe));
    assertTrue(server.contents().isEmpty(), server.contents().toString());
  }

  @Test
  void deletingASharedConversation_stillDeletesItEverywhere() {
    Tandem a = open("a", server.transport("a"));
    Tandem b = open("b", server.transport("b"));
    a.conversations().save(Conversation.builder("c").title("shared").build());
    saveMessage(a, "m", "c");
    assertTrue(a.syncNow().ok());
    assertTrue(b.syncNow().ok());

    assertTrue(a.conversations().delete("c"));
    assertEquals(2, a.syncNow().pushed());
    assertTrue(b.syncNow().ok());

    assertTrue(server.contents().get("conversation/c").isDelete());
    assertTrue(server.contents().get("message/m").isDelete());
    assertNull(b.conversations().get("c"));
    assertNull(b.messages().get("m"));
  }

  @Test
  void messageCreatedAndDeleted_betweenSyncs_inASharedConversation_isNotSentEither() {
    ProbeTransport probe = new ProbeTransport(server.transport("a"), clock);
    Tandem a = open("a", probe);
    a.conversations().save(Conversation.builder("c").title("shared").build());
    assertTrue(a.syncNow().ok());
    saveMessage(a, "draft", "c");
    assertTrue(a.messages().delete("draft"));

    assertTrue(a.syncNow().ok());

    assertEquals(Arrays.asList("conversation/c"), sent(probe), "the server never heard of it");
    assertNull(server.contents().get("message/draft"));
    assertEquals(0, a.status().pending());
  }

  @Test
  void withheldDelete_goesOutAfterAll_whenAnotherDeviceStoredTheRecordUnderTheSameId() {
    ProbeTransport probe = new ProbeTransport(server.transport("a"), clock);
    Tandem a = open("a", probe);
    Tandem b = open("b", server.transport("b"));
    b.records("conversation").put("c", "{\"title\":\"b's\"}");
    clock.advance(10);
    a.records("conversation").put("c", "{\"title\":\"a's\"}");
    assertTrue(a.records("conversation").delete("c"));
    Record delete = a.store().get("conversation", "c").current();
    assertTrue(a.syncNow().ok());
    assertEquals(Arrays.asList(), sent(probe), "nothing to delete on the server yet");

    assertTrue(b.syncNow().ok());
    SyncResult r = a.syncNow();

    assertTrue(r.ok(), r.toString());
    assertEquals(Arrays.asList("conversation/c deleted"), sent(probe),
        "the record reached the server from b, so a's later delete must reach it too");
    assertEquals(delete.hlc().toString(), server.contents().get("conversation/c").hlc());
    assertTrue(b.syncNow().ok());
    assertNull(b.records("conversation").get("c"), "the delete, the later write, wins everywhere");
    assertEquals(0, a.status().pending());
  }

  @Test
  void localOnlyConversation_isNotReplacedByAnOlderVersionAnotherDeviceStoresUnderItsId() {
    Tandem a = open("a", server.transport("a"));
    Tandem b = open("b", server.transport("b"));
    b.conversations().save(Conversation.builder("c").title("b's").build());
    clock.advance(10);
    saveLocalOnly(a, "c");
    assertTrue(a.syncNow().ok());

    assertTrue(b.syncNow().ok());
    assertTrue(a.syncNow().ok());

    Conversation kept = a.conversations().get("c");
    assertEquals("private", kept.title(), "only a withheld delete gives way, not a kept record");
    assertTrue(kept.isLocalOnly());
  }

  @Test
  void deleteOfAMessageWhosePushWentUnanswered_isSent_sinceTheServerMayHoldIt() {
    Tandem a = open("a", server.transport("a"));
    Tandem b = open("b", server.transport("b"));
    a.conversations().save(Conversation.builder("c").title("shared").build());
    assertTrue(a.syncNow().ok());
    saveMessage(a, "m", "c");
    server.loseNextResponse("a");
    assertFalse(a.syncNow().ok(), "the push was stored, but its answer was lost");
    assertNotNull(server.contents().get("message/m"));
    assertTrue(b.syncNow().ok());
    assertNotNull(b.messages().get("m"));

    assertTrue(a.messages().delete("m"));
    assertTrue(a.syncNow().ok());
    assertTrue(b.syncNow().ok());

    assertTrue(server.contents().get("message/m").isDelete());
    assertNull(b.messages().get("m"), "the other device dropped it too");
  }

  @Test
  void deleteAfterAServerErrorOnThePush_isSent_sinceTheServerMayHaveStoredIt() {
    ProbeTransport probe = new ProbeTransport(server.transport("a"), clock);
    Tandem a = open("a", probe);
    a.conversations().save(Conversation.builder("c").title("shared").build());
    assertTrue(a.syncNow().ok());
    saveMessage(a, "m", "c");
    server.failNextPushesWith500(1);
    assertFalse(a.syncNow().ok());
    assertTrue(a.messages().delete("m"));
    clock.advance(3_600_000);

    assertTrue(a.syncNow().ok());

    List<String> keys = sent(probe);
    assertEquals("message/m deleted", keys.get(keys.size() - 1), keys.toString());
  }
}
