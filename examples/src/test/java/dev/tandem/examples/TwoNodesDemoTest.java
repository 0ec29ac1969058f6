package dev.tandem.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class TwoNodesDemoTest {
  @Test
  void demo_deliversTheConversationAcrossNodes() throws Exception {
    // The only PostgreSQL of this module's test JVM.
    try (EmbeddedPostgres pg = EmbeddedPostgres.builder().start()) {
      ByteArrayOutputStream buf = new ByteArrayOutputStream();
      TwoDevicesDemo.Result r = TwoNodesDemo.run(new PrintStream(buf, true,
          StandardCharsets.UTF_8),
          "jdbc:postgresql://127.0.0.1:" + pg.getPort() + "/postgres?user=postgres", null);
      String out = buf.toString(StandardCharsets.UTF_8);
      assertTrue(r.arrived, out);
      assertEquals(2, r.messagesOnDesktop, out);
      assertTrue(out.contains("node 1 notified node 2"), out);
    }
  }
}
