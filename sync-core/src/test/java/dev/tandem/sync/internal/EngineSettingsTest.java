package dev.tandem.sync.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.sync.spi.ConflictResolver;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The engine's settings are checked once, when built, and cannot change afterwards. */
class EngineSettingsTest {

  private static String refusal(EngineSettings.Builder b) {
    return assertThrows(IllegalArgumentException.class, b::build).getMessage();
  }

  @Test
  void outOfRangeNumbers_areRefusedWithTheirName() {
    assertEquals("batchSize must be 1 to 1000: 0", refusal(EngineSettings.builder().batchSize(0)));
    assertEquals("backlogBatchSize must be 0 to 1000: 1001",
        refusal(EngineSettings.builder().backlogBatchSize(1001)));
    assertEquals("pullPageSize must be 1 to 5000: 5001",
        refusal(EngineSettings.builder().pullPageSize(5001)));
    assertEquals("sweepIntervalMillis must be 1 or more: 0",
        refusal(EngineSettings.builder().sweepIntervalMillis(0)));
    assertEquals("flushDelayMillis must be 0 or more: -1",
        refusal(EngineSettings.builder().flushDelayMillis(-1)));
    assertEquals("observePollMillis must be 1 or more: 0",
        refusal(EngineSettings.builder().observePollMillis(0)));
  }

  @Test
  void missingParts_areRefused() {
    assertEquals("redactor must not be null", refusal(EngineSettings.builder().redactor(null)));
    assertEquals("defaultResolver must not be null",
        refusal(EngineSettings.builder().defaultResolver(null)));
    assertEquals("random must not be null", refusal(EngineSettings.builder().random(null)));
    assertEquals("resolvers must not be null", refusal(EngineSettings.builder().resolvers(null)));
    Map<String, ConflictResolver> withNull = new HashMap<>();
    withNull.put("note", null);
    assertTrue(refusal(EngineSettings.builder().resolvers(withNull))
        .startsWith("resolvers must not hold null"));
  }

  @Test
  void theResolverMap_isCopied_soLaterChangesToTheHostsMapDoNotReachTheEngine() {
    Map<String, ConflictResolver> byType = new HashMap<>();
    byType.put("note", SyncEngine.LWW_BY_HLC);
    EngineSettings s = EngineSettings.builder().resolvers(byType).build();
    byType.clear();
    assertSame(SyncEngine.LWW_BY_HLC, s.resolverFor("note"));
    assertThrows(UnsupportedOperationException.class,
        () -> s.resolvers.put("x", SyncEngine.LWW_BY_HLC));
    assertEquals(Collections.singleton("note"), s.resolvers.keySet());
  }

  @Test
  void everyField_isFinalAndNonePublic() {
    for (Field f : EngineSettings.class.getDeclaredFields()) {
      if (f.isSynthetic() || f.getName().startsWith("$")) {
        continue; // added by coverage tools (PIT's probes), not part of the class as written
      }
      assertTrue(Modifier.isFinal(f.getModifiers()), f.getName() + " is not final");
      assertTrue(!Modifier.isPublic(f.getModifiers()), f.getName() + " is public");
    }
  }
}
