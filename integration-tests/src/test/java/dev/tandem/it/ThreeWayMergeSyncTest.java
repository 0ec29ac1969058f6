package dev.tandem.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.sync.Conflict;
import dev.tandem.sync.Tandem;
import dev.tandem.sync.conflict.LastWriteWins;
import dev.tandem.sync.conflict.ThreeWayMerge;
import dev.tandem.sync.internal.Json;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ThreeWayMergeSyncTest extends ClusterTest {
  Tandem a;
  Tandem b;

  @BeforeEach
  void start() {
    a = cluster.device("a",
        bld -> bld.conflictResolver(ThreeWayMerge.withFallback(LastWriteWins.byHlc())));
    b = cluster.device("b",
        bld -> bld.conflictResolver(ThreeWayMerge.withFallback(LastWriteWins.byHlc())));
  }

  private static String doc(String title, String... paragraphs) {
    return Json.write(Json.object().put("title", title)
        .put("content", String.join("\n\n", paragraphs) + "\n"));
  }

  @Test
  void editsToDifferentParagraphsOffline_bothSurviveOnBothDevices() {
    a.records("message").put("m", doc("notes", "first paragraph", "second paragraph",
        "third paragraph"));
    a.syncNow();
    b.syncNow();
    cluster.stopServer();
    a.records("message").put("m", doc("notes", "first paragraph, edited on a",
        "second paragraph", "third paragraph"));
    b.records("message").put("m", doc("notes", "first paragraph", "second paragraph",
        "third paragraph, edited on b"));
    assertFalse(a.syncNow().ok());
    cluster.startServer(cluster.uri().getPort());
    a.syncNow();
    b.syncNow();
    a.syncNow();
    String expected = doc("notes", "first paragraph, edited on a", "second paragraph",
        "third paragraph, edited on b");
    assertEquals(Json.parseObject(expected), a.records("message").get("m").data());
    assertEquals(a.records("message").get("m"), b.records("message").get("m"));
    assertEquals(0, a.status().pending());
    assertEquals(0, b.status().pending());
  }

  @Test
  void differentFieldsEditedOffline_mergeField_byField() {
    a.records("conversation").put("c", "{\"title\":\"t\",\"state\":\"active\",\"n\":1}");
    a.syncNow();
    b.syncNow();
    cluster.stopServer();
    a.records("conversation").put("c", "{\"title\":\"renamed on a\",\"state\":\"active\",\"n\":1}");
    b.records("conversation").put("c", "{\"title\":\"t\",\"state\":\"archived\",\"n\":1}");
    cluster.startServer(cluster.uri().getPort());
    a.syncNow();
    b.syncNow();
    a.syncNow();
    assertEquals("renamed on a", a.records("conversation").get("c").data().get("title").asText());
    assertEquals("archived", a.records("conversation").get("c").data().get("state").asText());
    assertEquals(a.records("conversation").get("c"), b.records("conversation").get("c"));
  }

  @Test
  void trueConflict_isDecidedByFallback_identicallyEverywhere_andReported() {
    a.records("message").put("m", doc("t", "one line"));
    a.syncNow();
    b.syncNow();
    cluster.stopServer();
    a.records("message").put("m", doc("t", "one line changed by a"));
    b.records("message").put("m", doc("t", "one line changed by b"));
    cluster.startServer(cluster.uri().getPort());
    a.syncNow();
    b.syncNow();
    a.syncNow();
    assertEquals(a.records("message").get("m"), b.records("message").get("m"));
    // b's edit is later by clock, so the fallback keeps it, on both devices.
    assertTrue(b.records("message").get("m").json().contains("changed by b"));
    List<Conflict> reported = b.conflicts(10);
    assertFalse(reported.isEmpty());
    assertEquals("m", reported.get(0).id());
  }
}
