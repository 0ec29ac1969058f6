package dev.tandem.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.sync.Conversation;
import dev.tandem.sync.Message;
import dev.tandem.sync.Record;
import dev.tandem.sync.SyncResult;
import dev.tandem.sync.SyncStatus;
import dev.tandem.sync.Tandem;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class EndToEndSyncTest extends ClusterTest {

  private static List<String> dump(Tandem t, String type) {
    List<String> out = new ArrayList<>();
    for (Record r : t.store().list(type, null, 100_000)) {
      out.add(r.id() + "@" + r.hlc() + "=" + r.json());
    }
    return out;
  }

  @Test
  void createOnA_appearsOnB_thenUpdateAndDeletePropagate() {
    Tandem a = cluster.device("a");
    Tandem b = cluster.device("b");
    a.conversations().save(Conversation.builder("c-1").title("first").build());
    a.messages().save(Message.builder("m-1", "c-1").role("user").content("hello").ts(1).build());
    assertTrue(a.syncNow().ok());
    SyncResult pulled = b.syncNow();
    assertTrue(pulled.ok(), pulled.toString());
    assertEquals(2, pulled.pulled());
    assertEquals("first", b.conversations().get("c-1").title());
    assertEquals("hello", b.messages().get("m-1").text());

    b.conversations().save(b.conversations().get("c-1").newBuilder().title("renamed").build());
    b.syncNow();
    a.syncNow();
    assertEquals("renamed", a.conversations().get("c-1").title());

    assertTrue(a.conversations().delete("c-1"));
    a.syncNow();
    b.syncNow();
    assertNull(b.conversations().get("c-1"));
    assertNull(b.messages().get("m-1"));
    assertTrue(b.store().get("message", "m-1").current().deleted(), "tombstone kept");
    assertEquals(0, a.status().pending());
    assertEquals(0, b.status().pending());
  }

  @Test
  void dataBytes_arriveExactlyAsWritten() {
    Tandem a = cluster.device("a");
    Tandem b = cluster.device("b");
    String json = "{\"z\":1.50,\"a\":[1e3,null,\"\\u00fc\\n\"],\"nested\":{\"k\":-0.0}}";
    a.records("message").put("m", json);
    a.syncNow();
    b.syncNow();
    assertEquals(json, b.records("message").get("m").json());
  }

  @Test
  void bothEditWhileOffline_allDevicesEndIdentical() {
    Tandem a = cluster.device("a");
    Tandem b = cluster.device("b");
    Tandem c = cluster.device("c");
    a.records("conversation").put("shared", "{\"title\":\"base\"}");
    a.syncNow();
    b.syncNow();
    c.syncNow();
    cluster.stopServer();
    a.records("conversation").put("shared", "{\"title\":\"a offline\"}");
    a.records("message").put("a-only", "{\"conversationId\":\"shared\"}");
    b.records("conversation").put("shared", "{\"title\":\"b offline\"}");
    b.records("conversation").delete("shared");
    c.records("message").put("c-only", "{\"conversationId\":\"shared\"}");
    assertFalse(a.syncNow().ok());
    assertEquals(SyncStatus.Mode.OFFLINE, a.status().mode());
    cluster.startServer(cluster.uri().getPort());
    for (int round = 0; round < 2; round++) {
      for (Tandem t : List.of(a, b, c)) {
        assertTrue(t.syncNow().ok());
      }
    }
    for (String type : List.of("conversation", "message")) {
      assertEquals(dump(a, type), dump(b, type), type);
      assertEquals(dump(a, type), dump(c, type), type);
    }
    assertEquals(a.store().get("conversation", "shared"), b.store().get("conversation", "shared"));
  }

  @Test
  void serverRestartMidRun_losesNothing_duplicatesNothing() {
    Tandem a = cluster.device("a");
    HookedTransport[] wire = new HookedTransport[1];
    Tandem b = cluster.device("b", dev.tandem.sync.Clock.SYSTEM, real -> {
      wire[0] = new HookedTransport(real);
      return wire[0];
    });
    for (int i = 0; i < 250; i++) {
      a.records("message").put("m-" + i, "{\"conversationId\":\"c\",\"i\":" + i + "}");
      if (i == 120) {
        a.syncNow();
        cluster.restartServer();
      }
    }
    assertTrue(a.syncNow().ok());
    assertTrue(b.syncNow().ok());
    assertEquals(250, b.store().history().countByConversation("message", "c"));
    assertEquals(dump(a, "message"), dump(b, "message"));
    assertEquals(250, wire[0].pulledChanges.get(), "each record crossed the wire once");
    assertTrue(b.syncNow().ok());
    assertEquals(250, wire[0].pulledChanges.get(), "nothing arrives twice");
  }

  @Test
  void batchWhoseResponseIsLost_isResent_andStoredOnce() {
    AtomicBoolean loseNext = new AtomicBoolean(true);
    Tandem a = cluster.device("a", dev.tandem.sync.Clock.SYSTEM,
        real -> new FlakyTransport(real, new AtomicBoolean(), loseNext));
    Tandem b = cluster.device("b");
    a.records("message").put("m-1", "{\"n\":1}");
    assertFalse(a.syncNow().ok());
    assertEquals(1, a.status().pending());
    assertTrue(a.syncNow().ok());
    assertEquals(0, a.status().pending());
    SyncResult r = b.syncNow();
    assertEquals(1, r.pulled(), "stored once");
    assertEquals("{\"n\":1}", b.records("message").get("m-1").json());
  }

  @Test
  void deviceOffline24Hours_with10000QueuedWrites_allArrive() {
    AtomicLong now = new AtomicLong(System.currentTimeMillis());
    AtomicBoolean offline = new AtomicBoolean(true);
    Tandem a = cluster.device("a", now::get,
        real -> new FlakyTransport(real, offline, new AtomicBoolean()));
    Tandem b = cluster.device("b");
    for (int chunk = 0; chunk < 10; chunk++) {
      int base = chunk * 1000;
      a.batch(batch -> {
        for (int i = base; i < base + 1000; i++) {
          batch.put("message", "m-" + i, "{\"conversationId\":\"c\",\"i\":" + i + "}");
        }
      });
    }
    for (int hour = 0; hour < 24; hour++) {
      now.addAndGet(3_600_000);
      assertFalse(a.syncNow().ok());
    }
    assertEquals(10_000, a.status().pending());
    assertEquals(0, a.status().failed());
    offline.set(false);
    SyncResult r = a.syncNow();
    assertEquals(10_000, r.pushed(), r.toString());
    b.syncNow();
    assertEquals(10_000, b.store().history().countByConversation("message", "c"));
  }
}
