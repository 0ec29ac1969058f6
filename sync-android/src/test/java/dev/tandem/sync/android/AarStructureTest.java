package dev.tandem.sync.android;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipInputStream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/** The AAR that the build wrote (before the tests run), read as a zip the way AGP reads it. */
class AarStructureTest {
  private static final String ANDROID_NS = "http://schemas.android.com/apk/res/android";
  /** ABI folder → ELF e_machine and class (1: 32-bit, 2: 64-bit). */
  private static final Map<String, int[]> ABIS = new TreeMap<>(Map.of(
      "arm64-v8a", new int[] {183, 2},
      "armeabi-v7a", new int[] {40, 1},
      "x86", new int[] {3, 1},
      "x86_64", new int[] {62, 2}));
  private static Path aar;

  @BeforeAll
  static void locate() {
    String p = System.getProperty("tandem.aar");
    assertNotNull(p, "run through Maven: the tandem.aar property names the AAR");
    aar = Paths.get(p);
    assertTrue(Files.isRegularFile(aar), "no AAR at " + aar);
    assertTrue(aar.getFileName().toString().matches("tandem-sync-android-.+\\.aar"),
        aar.getFileName().toString());
  }

  @Test
  void hasTheEntriesEveryAarHas_andNothingElse() throws IOException {
    Set<String> files = new TreeSet<>();
    try (ZipFile zip = new ZipFile(aar.toFile())) {
      zip.stream().filter(e -> !e.isDirectory()).forEach(e -> files.add(e.getName()));
    }
    Set<String> expected = new TreeSet<>(Set.of("AndroidManifest.xml", "classes.jar",
        "proguard.txt", "R.txt"));
    ABIS.keySet().forEach(abi -> expected.add("jni/" + abi + "/libsqlitejdbc.so"));
    assertEquals(expected, files);
  }

  @Test
  void manifest_saysMinSdk26_theTwoPermissions_andTheJobService() throws Exception {
    DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
    f.setNamespaceAware(true);
    Document doc = f.newDocumentBuilder().parse(new ByteArrayInputStream(read("AndroidManifest.xml")));
    Element manifest = doc.getDocumentElement();
    assertEquals("manifest", manifest.getTagName());
    assertEquals("dev.tandem.sync.android", manifest.getAttribute("package"));

    Element usesSdk = (Element) manifest.getElementsByTagName("uses-sdk").item(0);
    assertEquals("26", usesSdk.getAttributeNS(ANDROID_NS, "minSdkVersion"));

    Set<String> permissions = new HashSet<>();
    NodeList p = manifest.getElementsByTagName("uses-permission");
    for (int i = 0; i < p.getLength(); i++) {
      permissions.add(((Element) p.item(i)).getAttributeNS(ANDROID_NS, "name"));
    }
    assertEquals(Set.of("android.permission.INTERNET", "android.permission.ACCESS_NETWORK_STATE"),
        permissions);

    Element service = (Element) manifest.getElementsByTagName("service").item(0);
    assertEquals(TandemSyncJobService.class.getName(), service.getAttributeNS(ANDROID_NS, "name"));
    assertEquals("android.permission.BIND_JOB_SERVICE",
        service.getAttributeNS(ANDROID_NS, "permission"));
    assertEquals("false", service.getAttributeNS(ANDROID_NS, "exported"));
  }

  @Test
  void classesJar_holdsTheGlue_compiledForJava11_andTheRules() throws IOException {
    Map<String, byte[]> entries = new TreeMap<>();
    try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(read("classes.jar")))) {
      for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
        entries.put(e.getName(), in.readAllBytes());
      }
    }
    byte[] glue = entries.get("dev/tandem/sync/android/TandemAndroid.class");
    assertNotNull(glue, entries.keySet().toString());
    assertNotNull(entries.get("dev/tandem/sync/android/TandemSyncJobService.class"));
    int major = ((glue[6] & 0xff) << 8) | (glue[7] & 0xff);
    assertEquals(55, major, "Java 11 bytecode for D8");
    assertArrayEquals(read("proguard.txt"),
        entries.get("META-INF/proguard/tandem-sync-android.pro"),
        "the jar carries the same rules for R8 as the AAR's proguard.txt");
  }

  @Test
  void consumerRules_keepWhatIsReachedByName() throws IOException {
    String rules = new String(read("proguard.txt"), StandardCharsets.UTF_8);
    for (String rule : new String[] {
        "-keep class * implements dev.tandem.sync.spi.LocalStoreProvider",
        "-keep class * implements dev.tandem.sync.spi.TransportProvider",
        "-keep class org.sqlite.** { *; }",
        "-keep class com.fasterxml.jackson.databind.ext.** { *; }"}) {
      assertTrue(rules.contains(rule), "missing: " + rule);
    }
    assertEquals(0, read("R.txt").length, "no Android resources");
  }

  @Test
  void nativeLibraries_areTheRightElfForEachAbi_withFts5() throws IOException {
    for (Map.Entry<String, int[]> abi : ABIS.entrySet()) {
      byte[] so = read("jni/" + abi.getKey() + "/libsqlitejdbc.so");
      assertArrayEquals(new byte[] {0x7f, 'E', 'L', 'F'}, java.util.Arrays.copyOf(so, 4));
      assertEquals(abi.getValue()[1], so[4], abi.getKey() + " ELF class");
      int machine = (so[18] & 0xff) | ((so[19] & 0xff) << 8);
      assertEquals(abi.getValue()[0], machine, abi.getKey() + " e_machine");
      // SQLite keeps its compile options as strings: this build has FTS5 compiled in.
      assertTrue(contains(so, "ENABLE_FTS5".getBytes(StandardCharsets.US_ASCII)),
          abi.getKey() + " has no FTS5");
    }
  }

  private static byte[] read(String entry) throws IOException {
    try (ZipFile zip = new ZipFile(aar.toFile())) {
      ZipEntry e = zip.getEntry(entry);
      assertNotNull(e, "no " + entry + " in " + aar);
      try (InputStream in = zip.getInputStream(e)) {
        return in.readAllBytes();
      }
    }
  }

  private static boolean contains(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= hay.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }
}
