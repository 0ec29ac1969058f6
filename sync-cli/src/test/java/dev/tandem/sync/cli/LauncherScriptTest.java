package dev.tandem.sync.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/tandem} gives {@code server} a server's JVM options and every other command none. A
 * stand-in {@code java} on the PATH prints the arguments it got.
 */
@EnabledOnOs({OS.LINUX, OS.MAC})
class LauncherScriptTest {
  @TempDir Path tmp;

  private String launch(Map<String, String> env, String... args) throws Exception {
    Path bin = Files.createDirectories(tmp.resolve("bin"));
    Path script = bin.resolve("tandem");
    if (!Files.exists(script)) {
      Files.copy(Paths.get("..", "bin", "tandem"), script);
      Files.createDirectories(tmp.resolve("sync-cli/target"));
      Files.write(tmp.resolve("sync-cli/target/tandem.jar"), new byte[0]);
      Path fake = Files.createDirectories(tmp.resolve("fake")).resolve("java");
      Files.write(fake, "#!/bin/sh\necho \"$@\"\n".getBytes(StandardCharsets.UTF_8));
      Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
    List<String> cmd = new ArrayList<>(List.of("bash", script.toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().remove("TANDEM_JAVA_OPTS");
    pb.environment().remove("TANDEM_SERVER_JAVA_OPTS");
    pb.environment().put("PATH", tmp.resolve("fake") + ":/usr/bin:/bin");
    pb.environment().putAll(env);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), out);
    return out;
  }

  private String jar() throws IOException {
    return tmp.resolve("bin").resolve("../sync-cli/target/tandem.jar").toString();
  }

  @Test
  void server_getsABoundedHeapAndTheSerialCollector_otherCommandsNothing() throws Exception {
    assertEquals("-Xmx256m -XX:+UseSerialGC -jar " + jar() + " server --port 0",
        launch(Map.of(), "server", "--port", "0"));
    assertEquals("-Xmx256m -XX:+UseSerialGC -jar " + jar() + " --db x.db server backup b.db",
        launch(Map.of(), "--db", "x.db", "server", "backup", "b.db"));
    // "server" as a value or an argument of another command is not the server.
    assertEquals("-jar " + jar() + " search server", launch(Map.of(), "search", "server"));
    assertEquals("-jar " + jar() + " --config server list",
        launch(Map.of(), "--config", "server", "list"));
  }

  @Test
  void serverOptions_areReplacedBySERVER_JAVA_OPTS_andJAVA_OPTSComeLast() throws Exception {
    assertEquals("-jar " + jar() + " server",
        launch(Map.of("TANDEM_SERVER_JAVA_OPTS", ""), "server"));
    assertEquals("-Xmx1g -jar " + jar() + " server",
        launch(Map.of("TANDEM_SERVER_JAVA_OPTS", "-Xmx1g"), "server"));
    assertEquals("-Xmx256m -XX:+UseSerialGC -Xmx512m -jar " + jar() + " server",
        launch(Map.of("TANDEM_JAVA_OPTS", "-Xmx512m"), "server"));
  }
}
