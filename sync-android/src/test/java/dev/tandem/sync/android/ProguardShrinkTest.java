package dev.tandem.sync.android;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.sync.Conversation;
import dev.tandem.sync.Tandem;
import dev.tandem.sync.server.TandemServer;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import proguard.Configuration;
import proguard.ConfigurationParser;
import proguard.ProGuard;

/**
 * Shrinks and obfuscates a tiny app ({@code dev.tandem.sample.ShrinkSample}) together with
 * everything the AAR's POM brings, keeping only the app's entry point and the AAR's own
 * proguard.txt, against Android's API 26 as the library; then runs the shrunk jar in a new JVM
 * against the real server. What the consumer rules forget shows up as a ProGuard warning (an
 * unresolved reference) or as a failure of the shrunk app at run time.
 */
class ProguardShrinkTest {
  private static final String TEAM = "team-shrink";
  @TempDir static Path dir;
  private static TandemServer server;

  @BeforeAll
  static void startServer() throws ClassNotFoundException {
    // The Robolectric tests of this JVM loaded sqlite-jdbc in their sandbox, and DriverManager
    // scans for drivers only once: the driver it knows is the sandbox's, which this class loader
    // may not use. Loading the class here registers this loader's own.
    Class.forName("org.sqlite.JDBC");
    server = TandemServer.builder().port(0).dataDir(dir.resolve("server")).build().start();
  }

  @AfterAll
  static void stopServer() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void shrunkApp_withOnlyTheShippedRules_opensAStore_searches_andSyncsBothWays() throws Exception {
    try (Tandem desk = Tandem.builder().database(dir.resolve("desk.db")).deviceId("desk")
        .server(server.uri(), server.createToken(TEAM, "desk"), TEAM).autoSync(false).build()) {
      desk.conversations().save(Conversation.builder("c-desk").title("from the desk").build());
      assertTrue(desk.syncNow().ok());

      Path out = shrink();

      try (ZipFile shrunk = new ZipFile(out.toFile())) {
        assertNotNull(shrunk.getEntry("dev/tandem/sample/ShrinkSample.class"));
        assertTrue(shrunk.stream().noneMatch(e -> e.getName().endsWith(
            "dev/tandem/sync/internal/SyncEngine.class")), "the engine was renamed");
        assertTrue(shrunk.stream().noneMatch(e -> e.getName().startsWith("dev/tandem/sync/android/")),
            "the unused Android glue was shrunk away");
        assertNotNull(shrunk.getEntry("org/sqlite/core/NativeDB.class"), "JNI classes kept by name");
      }
      String mapping = Files.readString(dir.resolve("mapping.txt"));
      assertTrue(mapping.contains("dev.tandem.sync.internal.SyncEngine -> "), "no mapping written");

      Process p = new ProcessBuilder(Paths.get(System.getProperty("java.home"), "bin", "java")
          .toString(), "-Xmx256m", "-cp", out.toString(), "dev.tandem.sample.ShrinkSample",
          dir.resolve("shrunk.db").toString(), server.uri().toString(),
          server.createToken(TEAM, "shrunk"), TEAM, "shrunk")
          .redirectErrorStream(true).redirectOutput(dir.resolve("app.log").toFile()).start();
      boolean finished = p.waitFor(120, TimeUnit.SECONDS);
      if (!finished) {
        p.destroyForcibly();
      }
      String output = Files.readString(dir.resolve("app.log"));
      assertTrue(finished, "the shrunk app did not finish: " + output);
      assertEquals(0, p.exitValue(), output);
      assertTrue(output.contains("hits=1"), output);
      assertTrue(output.contains("desk=from the desk"), output);

      assertTrue(desk.syncNow().ok());
      assertEquals("from the shrunk app", desk.conversations().get("c-shrunk").title());
    }
  }

  /** Runs ProGuard in this JVM and returns the shrunk jar. */
  private static Path shrink() throws Exception {
    Path aar = Paths.get(requiredProperty("tandem.aar"));
    Path classesJar = dir.resolve("classes.jar");
    Path rules = dir.resolve("proguard.txt");
    try (ZipFile zip = new ZipFile(aar.toFile())) {
      copy(zip, "classes.jar", classesJar);
      copy(zip, "proguard.txt", rules);
    }
    // Class files only from the inputs' own trees; resources as an app would package them.
    String filter = "(!META-INF/versions/**,!**/module-info.class,!META-INF/MANIFEST.MF,"
        + "!META-INF/*.SF,!META-INF/*.RSA,!META-INF/*.DSA,!META-INF/LICENSE*,!META-INF/NOTICE*)";
    List<String> config = new ArrayList<>();
    config.add("-injars " + quote(Paths.get("target", "test-classes").toAbsolutePath())
        + "(dev/tandem/sample/**)");
    config.add("-injars " + quote(classesJar) + filter);
    for (String entry : requiredProperty("tandem.android.runtime.classpath")
        .split(File.pathSeparator)) {
      if (entry.isEmpty()) {
        continue;
      }
      // An app gets sqlite-jdbc's library from the AAR's jni/; the JVM run here needs only the
      // desktop one of this machine, so the other platforms' copies are left out of the jar.
      String natives = entry.contains("sqlite-jdbc")
          ? "org/sqlite/native/Linux/x86_64/**,!org/sqlite/native/**," : "";
      config.add("-injars " + quote(Paths.get(entry)) + "(" + natives + filter.substring(1));
    }
    Path out = dir.resolve("app-shrunk.jar");
    config.add("-outjars " + quote(out));
    // The platform: Android's API 26 (android.*; Robolectric's jar of it has no java.*) and, for
    // java.*, the JDK modules whose packages Android has. Leaving out java.desktop, java.management
    // and the rest makes a reference to them (java.beans, say) a warning here, as it is for R8.
    config.add("-libraryjars " + quote(Paths.get(requiredProperty("tandem.android.api.jar"))));
    Path jmods = Paths.get(System.getProperty("java.home"), "jmods");
    assertTrue(Files.isDirectory(jmods), "the shrink test needs a JDK with jmods: " + jmods);
    for (String module : new String[] {"java.base", "java.logging", "java.sql", "java.xml"}) {
      config.add("-libraryjars " + quote(jmods.resolve(module + ".jmod"))
          + "(java/**.class,javax/**.class,org/**.class)");
    }
    // The app's rules: its entry point, and what D8 desugars for every app (string concatenation
    // by invokedynamic, which API 26 lacks).
    config.add("-keep public class dev.tandem.sample.ShrinkSample {"
        + " public static void main(java.lang.String[]); }");
    config.add("-dontwarn java.lang.invoke.StringConcatFactory");
    config.add("-include " + quote(rules));
    config.add("-printmapping " + quote(dir.resolve("mapping.txt")));
    config.add("-dontnote");
    // Shrinking and renaming are what consumer rules are for; ProGuard's optimizer (slow, and
    // unlike R8's blind to reflection on enums) is left out to keep the test short.
    config.add("-dontoptimize");
    Path file = dir.resolve("app-rules.pro");
    Files.write(file, config);

    Configuration c = new Configuration();
    try (ConfigurationParser parser = new ConfigurationParser(file.toFile(), System.getProperties())) {
      parser.parse(c);
    }
    // Fails with "Please correct the above warnings first" when a rule is missing.
    long started = System.nanoTime();
    new ProGuard(c).execute();
    System.out.println("ProGuard took " + (System.nanoTime() - started) / 1_000_000 + " ms");
    assertTrue(Files.size(out) > 0);
    return out;
  }

  private static void copy(ZipFile zip, String entry, Path to) throws IOException {
    ZipEntry e = zip.getEntry(entry);
    assertNotNull(e, entry);
    try (InputStream in = zip.getInputStream(e)) {
      Files.copy(in, to);
    }
  }

  private static String quote(Path p) {
    assertFalse(p.toString().contains("'"), p.toString());
    return "'" + p + "'";
  }

  private static String requiredProperty(String name) {
    String v = System.getProperty(name);
    assertNotNull(v, "run through Maven: " + name + " is set by the pom");
    return v;
  }
}
