package dev.tandem.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.sync.DataChange;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ObserveDemoTest {
  @Test
  void demo_refreshesTheListForLocalRemoteAndOtherProcessChanges() throws Exception {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    Set<DataChange.Source> heard =
        ObserveDemo.run(new PrintStream(buf, true, StandardCharsets.UTF_8));
    String out = buf.toString(StandardCharsets.UTF_8);
    assertEquals(EnumSet.allOf(DataChange.Source.class), heard, out);
    assertTrue(out.contains("Written by another process"), out);
  }
}
