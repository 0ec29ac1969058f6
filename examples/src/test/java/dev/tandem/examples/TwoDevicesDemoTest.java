package dev.tandem.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class TwoDevicesDemoTest {
  @Test
  void demo_deliversTheConversationToTheSecondDevice() throws Exception {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    TwoDevicesDemo.Result r = TwoDevicesDemo.run(new PrintStream(buf, true, StandardCharsets.UTF_8));
    String out = buf.toString(StandardCharsets.UTF_8);
    assertTrue(r.arrived, out);
    assertEquals(3, r.messagesOnDesktop, out);
    assertTrue(out.contains("Pinned. Green again, thanks!"), out);
  }
}
