package dev.tandem.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.sync.protocol.Change;
import dev.tandem.sync.protocol.ErrorCode;
import dev.tandem.sync.spi.ConflictResolver;
import dev.tandem.sync.spi.LocalStore;
import java.lang.reflect.AnnotatedType;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.jspecify.annotations.NullMarked;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/** Nullness for Kotlin and checkers, and listeners that a lambda can be. */
class ApiShapeTest {
  @Test
  void everyPublicPackageOfSyncCore_isNullMarked() {
    for (Class<?> inPackage : new Class<?>[] {Tandem.class, LocalStore.class, Change.class,
        dev.tandem.sync.redact.Redactors.class}) {
      assertNotNull(inPackage.getPackage().getAnnotation(NullMarked.class),
          inPackage.getPackage().getName());
    }
  }

  @Test
  void whatMayBeNull_isMarkedNullable_returnsAndParameters() throws Exception {
    assertNullableReturn(Records.class.getMethod("get", String.class));
    assertNullableReturn(Conversations.class.getMethod("get", String.class));
    assertNullableReturn(Tandem.class.getMethod("localState", String.class));
    assertNullableReturn(Record.class.getMethod("json"));
    assertNullableReturn(SyncStatus.class.getMethod("failure"));
    assertNullableReturn(SyncResult.class.getMethod("downloadError"));
    assertNullableReturn(LocalStore.class.getMethod("get", String.class, String.class));
    assertNullableReturn(ErrorCode.class.getMethod("fromWire", String.class));
    assertNullableReturn(Change.class.getMethod("validate", long.class));
    Method resolve = ConflictResolver.class.getMethod("resolve", Record.class, Record.class,
        Record.class);
    AnnotatedType[] params = resolve.getAnnotatedParameterTypes();
    assertTrue(params[0].isAnnotationPresent(Nullable.class), "base may be null");
    assertFalse(params[1].isAnnotationPresent(Nullable.class), "local may not");
    assertFalse(Records.class.getMethod("put", String.class, String.class)
        .getAnnotatedReturnType().isAnnotationPresent(Nullable.class));
  }

  @Test
  void listeners_canBeLambdas() {
    List<Object> heard = new ArrayList<>();
    SyncStatus status = new SyncStatus(0, 0, 0, null, null, SyncStatus.Mode.LOCAL_ONLY, null, 0,
        0);
    Conflict conflict = new Conflict("message", "m", "", null, null, Conflict.LOCAL_WINS, null,
        null, 0);
    Record record = Record.tombstone("message", "m", Hlc.of(1, 0, "d"));

    SyncListener onStatus = SyncListener.forStatus(heard::add);
    SyncListener onConflict = SyncListener.forConflicts(heard::add);
    SyncListener onRemote = SyncListener.forRemoteChanges(heard::add);
    for (SyncListener l : new SyncListener[] {onStatus, onConflict, onRemote}) {
      l.onStatus(status);
      l.onConflict(conflict);
      l.onRemoteChange(record);
    }

    assertEquals(java.util.Arrays.asList(status, conflict, record), heard,
        "each hears its own kind of event only");
    assertThrows(NullPointerException.class, () -> SyncListener.forStatus(null));
    ChangeObserver observer = change -> heard.add(change);
    observer.onChange(new DataChange(DataChange.Source.LOCAL, Collections.singleton("message")));
    assertEquals(4, heard.size());
    assertTrue(ChangeObserver.class.isAnnotationPresent(FunctionalInterface.class));
    assertTrue(ConflictResolver.class.isAnnotationPresent(FunctionalInterface.class));
  }

  private static void assertNullableReturn(Method m) {
    assertTrue(m.getAnnotatedReturnType().isAnnotationPresent(Nullable.class), m.toString());
  }
}
