package dev.tandem.sync.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.sync.server.CommandStore.CommandEvent;
import dev.tandem.sync.server.CommandStore.CommandFilter;
import dev.tandem.sync.server.CommandStore.DeviceInfo;
import dev.tandem.sync.server.CommandStore.InsertResult;
import dev.tandem.sync.server.CommandStore.StoredCommand;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every store must do for devices and commands ({@link CommandStore}). A PostgreSQL store's
 * test extends this class and supplies {@link #newStore()}.
 */
abstract class CommandStoreContractTest {
  protected ServerStore store;

  /** Returns a new, empty store. */
  protected abstract ServerStore newStore();

  @BeforeEach
  void open() {
    store = newStore();
    store.replaceToken("hash-a", "team-1", "desk", 0);
    store.replaceToken("hash-b", "team-1", "phone", 0);
    store.replaceToken("hash-c", "team-2", "other", 0);
  }

  @AfterEach
  void closeStore() {
    store.close();
  }

  static StoredCommand cmd(String id, String target, int priority, long createdAt, String key) {
    return new StoredCommand("team-1", id, "phone", target, "agent.prompt", "{\"n\":1}",
        priority, createdAt, createdAt + 60_000, key, "queued", 0, 0, createdAt);
  }

  @Test
  void devices_areThoseWithTokens_withWhatTheySaid() {
    assertEquals(List.of("desk", "phone"),
        store.commands().devices("team-1").stream().map(DeviceInfo::deviceId).collect(Collectors.toList()));
    assertNull(store.commands().device("team-1", "other"));
    assertNull(store.commands().updateDevice("team-1", "nobody", "x", null, null, 5));
    DeviceInfo d = store.commands().updateDevice("team-1", "desk", "Desk", "linux", "1.0", 100);
    assertEquals("Desk", d.name());
    assertEquals(100, d.lastSeenAt());
    assertTrue(d.createdAt() > 0);
    store.commands().updateDevice("team-1", "desk", null, "macos", null, 50);
    DeviceInfo after = store.commands().device("team-1", "desk");
    assertEquals("Desk", after.name());
    assertEquals("macos", after.platform());
    assertEquals("1.0", after.appVersion());
    assertEquals(100, after.lastSeenAt(), "last seen never moves back");
    store.commands().touchDevice("team-1", "desk", 200);
    assertEquals(200, store.commands().device("team-1", "desk").lastSeenAt());
    assertEquals(List.of("other"), store.commands().devices("team-2").stream().map(DeviceInfo::deviceId)
        .collect(Collectors.toList()));
  }

  @Test
  void insert_isIdempotentByCommandId_perTeam() {
    InsertResult first = store.commands().insertCommand(cmd("c-1", "desk", 5, 10, null));
    assertTrue(first.created());
    assertEquals("queued", first.command().status());
    InsertResult again = store.commands().insertCommand(cmd("c-1", "desk", 9, 20, null));
    assertFalse(again.created());
    assertEquals(5, again.command().priority(), "the first command stays as it was");
    assertEquals(1, store.commands().commandHistory("team-1", "c-1").size());
    assertNull(store.commands().command("team-2", "c-1"), "another team does not see it");
  }

  @Test
  void insert_withConflictKey_supersedesOnlyQueuedOnesOfTheSameTarget() {
    store.commands().insertCommand(cmd("c-2", "desk", 5, 10, "k"));
    store.commands().updateCommand("team-1", "c-2", Set.of("queued"), "delivered", 1, 500, null, 11);
    store.commands().insertCommand(cmd("c-1", "desk", 5, 12, "k"));
    store.commands().insertCommand(cmd("c-3", "phone", 5, 13, "k"));
    InsertResult r = store.commands().insertCommand(cmd("c-4", "desk", 5, 14, "k"));
    assertEquals(List.of("c-1"), r.superseded().stream().map(StoredCommand::commandId)
        .collect(Collectors.toList()));
    assertEquals("superseded", store.commands().command("team-1", "c-1").status());
    assertEquals("delivered", store.commands().command("team-1", "c-2").status());
    assertEquals("queued", store.commands().command("team-1", "c-3").status());
    List<CommandEvent> h = store.commands().commandHistory("team-1", "c-1");
    assertEquals("superseded", h.get(h.size() - 1).status());
    assertEquals(14, h.get(h.size() - 1).at());
  }

  @Test
  void deliverable_isPriorityThenAgeThenInsertionOrder() {
    store.commands().insertCommand(cmd("low-old", "desk", 1, 10, null));
    store.commands().insertCommand(cmd("high-new", "desk", 9, 30, null));
    store.commands().insertCommand(cmd("mid-b", "desk", 5, 20, null));
    store.commands().insertCommand(cmd("mid-a", "desk", 5, 20, null));
    store.commands().insertCommand(cmd("high-old", "desk", 9, 5, null));
    store.commands().insertCommand(cmd("elsewhere", "phone", 9, 1, null));
    store.commands().insertCommand(cmd("done", "desk", 9, 1, null));
    store.commands().updateCommand("team-1", "done", Set.of("queued"), "delivered", 1, 0, null, 2);
    store.commands().updateCommand("team-1", "done", Set.of("delivered"), "acked", -1, -1, null, 3);
    assertEquals(List.of("high-old", "high-new", "mid-b", "mid-a", "low-old"),
        store.commands().deliverable("team-1", "desk", 100).stream().map(StoredCommand::commandId)
            .collect(Collectors.toList()));
    assertEquals(2, store.commands().deliverable("team-1", "desk", 2).size());
  }

  @Test
  void update_isACompareAndSet_andKeepsHistory() {
    store.commands().insertCommand(cmd("c-1", "desk", 5, 10, null));
    StoredCommand d = store.commands().updateCommand("team-1", "c-1", Set.of("queued"), "delivered", 1, 99,
        "{\"attempt\":1}", 11);
    assertEquals("delivered", d.status());
    assertEquals(1, d.attempts());
    assertEquals(99, d.nextAttemptAt());
    assertNull(store.commands().updateCommand("team-1", "c-1", Set.of("queued"), "expired", -1, -1, null,
        12), "a status moved by someone else is not moved again");
    // Same status, no output: the numbers change, the history does not.
    store.commands().updateCommand("team-1", "c-1", Set.of("delivered"), "delivered", -1, 500, null, 13);
    assertEquals(500, store.commands().command("team-1", "c-1").nextAttemptAt());
    store.commands().updateCommand("team-1", "c-1", Set.of("delivered"), "running", -1, -1, "{\"p\":1}", 14);
    store.commands().updateCommand("team-1", "c-1", Set.of("running"), "running", -1, -1, "{\"p\":2}", 15);
    store.commands().updateCommand("team-1", "c-1", Set.of("running"), "succeeded", -1, -1, "{}", 16);
    List<String> statuses = store.commands().commandHistory("team-1", "c-1").stream()
        .map(CommandEvent::status).collect(Collectors.toList());
    assertEquals(List.of("queued", "delivered", "running", "running", "succeeded"), statuses);
    assertEquals("{\"p\":2}", store.commands().commandHistory("team-1", "c-1").get(3).output());
    assertTrue(store.commands().command("team-1", "c-1").isFinal());
    assertNull(store.commands().updateCommand("team-1", "nope", Set.of("queued"), "acked", -1, -1, null, 1));
  }

  @Test
  void due_findsExpiredAndRedeliveries() {
    store.commands().insertCommand(cmd("fresh", "desk", 5, 1000, null));
    store.commands().insertCommand(cmd("old", "desk", 5, 0, null)); // expires at 60_000
    store.commands().insertCommand(cmd("sent", "desk", 5, 1000, null));
    store.commands().updateCommand("team-1", "sent", Set.of("queued"), "delivered", 1, 30_000, null, 1000);
    store.commands().insertCommand(cmd("acked", "desk", 5, 0, null));
    store.commands().updateCommand("team-1", "acked", Set.of("queued"), "acked", -1, -1, null, 1);
    assertEquals(Set.of(), ids(store.commands().dueCommands(20_000, 100)));
    assertEquals(Set.of("sent"), ids(store.commands().dueCommands(30_000, 100)));
    assertEquals(Set.of("sent", "old"), ids(store.commands().dueCommands(60_000, 100)));
  }

  @Test
  void list_filtersByTargetStatusAndDevice_newestFirst() {
    store.commands().insertCommand(cmd("a", "desk", 5, 10, null));
    store.commands().insertCommand(cmd("b", "phone", 5, 20, null));
    store.commands().insertCommand(new StoredCommand("team-1", "c", "desk", "desk", "x", "{}", 5, 30,
        90_000, null, "queued", 0, 0, 30));
    store.commands().updateCommand("team-1", "a", Set.of("queued"), "expired", -1, -1, null, 40);
    assertEquals(List.of("c", "b", "a"), list(new CommandFilter(null, null, null, 10)));
    assertEquals(List.of("c", "a"), list(new CommandFilter("desk", null, null, 10)));
    assertEquals(List.of("a"), list(new CommandFilter(null, "expired", null, 10)));
    assertEquals(List.of("b", "a"), list(new CommandFilter(null, null, "phone", 10)));
    assertEquals(List.of("c"), list(new CommandFilter(null, null, null, 1)));
  }

  private List<String> list(CommandFilter f) {
    return store.commands().listCommands("team-1", f).stream().map(StoredCommand::commandId)
        .collect(Collectors.toList());
  }

  private static Set<String> ids(List<StoredCommand> commands) {
    return commands.stream().map(StoredCommand::commandId).collect(Collectors.toSet());
  }

  @Test
  void presence_isPerNode_renewed_andOnlyFreshRowsCount() {
    CommandStore c = store.commands();
    c.setPresence("team-1", "desk", "n1", true, 1_000);
    c.setPresence("team-1", "desk", "n2", true, 1_000);
    c.setPresence("team-1", "phone", "n2", true, 500);
    c.setPresence("team-2", "other", "n1", true, 1_000);
    assertEquals(Set.of("desk"), c.presentDevices("team-1", 900, "n3"));
    assertEquals(Set.of("desk", "phone"), c.presentDevices("team-1", 500, "n3"));
    assertEquals(Set.of("desk", "phone"), c.presentDevices("team-1", 500, "n1"));
    assertEquals(Set.of("desk"), c.presentDevices("team-1", 500, "n2"), "n1's desk is left");
    c.renewPresence("n2", List.of("team-1"), 2_000);
    assertEquals(Set.of("desk", "phone"), c.presentDevices("team-1", 1_500, "n3"));
    assertEquals(Set.of(), c.presentDevices("team-1", 1_500, "n2"), "n1's rows are older");
    c.setPresence("team-1", "desk", "n2", false, 2_100);
    assertEquals(Set.of("phone"), c.presentDevices("team-1", 1_500, "n3"));
    assertEquals(Set.of("other"), c.presentDevices("team-2", 0, "n3"));
  }
}
