package dev.tandem.sync.conflict;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import org.jspecify.annotations.NullMarked;
import org.junit.jupiter.api.Test;

/** The public package is null-marked: its types are non-null unless marked {@code @Nullable}. */
class NullMarkedPackageTest {
  @Test
  void publicPackage_isNullMarked() {
    assertNotNull(ThreeWayMerge.class.getPackage().getAnnotation(NullMarked.class));
  }
}
