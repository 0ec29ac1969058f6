package dev.tandem.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class RemoteAgentDemoTest {
  @Test
  void phoneSendsWhileDesktopIsOffline_desktopRunsIt_andThePhoneReadsTheAnswer()
      throws Exception {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    RemoteAgentDemo.Result r =
        RemoteAgentDemo.run(new PrintStream(buf, true, StandardCharsets.UTF_8));
    String out = buf.toString(StandardCharsets.UTF_8);
    assertEquals("succeeded", r.status, out);
    assertEquals(1, r.handlerRuns, out);
    assertEquals(List.of("{\"step\":\"reading the CI log\"}",
        "{\"step\":\"found it: the lockfile was regenerated\"}",
        "{\"step\":\"wrote the answer into agent-c1\"}"), r.progress, out);
    assertEquals(2, r.messagesOnPhone, out);
    assertTrue(out.contains("I pinned it back and the build is green."), out);
  }
}
