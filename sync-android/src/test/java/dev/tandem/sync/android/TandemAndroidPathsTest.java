package dev.tandem.sync.android;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import android.app.Application;
import dev.tandem.sync.Conversation;
import dev.tandem.sync.Tandem;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import org.junit.After;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.robolectric.RobolectricTestRunner;
import org.robolectric.RuntimeEnvironment;

/** Where the Android builder puts the database, and what it keeps there. */
@RunWith(RobolectricTestRunner.class)
public class TandemAndroidPathsTest {
  private final Application app = RuntimeEnvironment.getApplication();
  private TandemAndroid open;

  @After
  public void close() {
    if (open != null) {
      open.close();
    }
  }

  @Test
  public void database_isInTheNoBackupFilesDir_soABackupNeverClonesTheDeviceId() {
    open = TandemAndroid.builder(app).build();

    File expected = new File(new File(app.getNoBackupFilesDir(), "tandem"), "tandem.db");
    assertEquals(expected, open.databaseFile());
    assertTrue(expected.isFile());
    assertFalse("nothing of it under the backed-up files dir",
        open.databaseFile().getPath().startsWith(app.getFilesDir().getPath() + File.separator));
    assertEquals(Tandem.class, open.tandem().getClass());
  }

  @Test
  public void deviceIdAndData_surviveAReopen_andAnotherNameIsAnotherStore() {
    open = TandemAndroid.builder(app).name("work").build();
    String id = open.tandem().deviceId();
    open.tandem().conversations().save(Conversation.builder("c-1").title("kept").build());
    open.close();

    open = TandemAndroid.builder(app).name("work").build();
    assertEquals(id, open.tandem().deviceId());
    assertEquals("kept", open.tandem().conversations().get("c-1").title());
    open.close();

    open = TandemAndroid.builder(app).name("home").build();
    assertNotEquals(id, open.tandem().deviceId());
    assertNull(open.tandem().conversations().get("c-1"));
    assertEquals(TandemAndroid.databaseFile(app, "home"), open.databaseFile());
  }

  @Test
  public void aSecondInstanceOfOneName_isRefused_andTheFirstKeepsWorking() {
    open = TandemAndroid.builder(app).build();

    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> TandemAndroid.builder(app).build());

    assertTrue(e.getMessage(), e.getMessage().contains("already open"));
    open.tandem().conversations().save(Conversation.builder("c-1").build());
    assertEquals(open, TandemAndroid.find(TandemAndroid.DEFAULT_NAME));
    open.close();
    assertNull("a closed instance is forgotten", TandemAndroid.find(TandemAndroid.DEFAULT_NAME));
    open = TandemAndroid.builder(app).build();
  }

  @Test
  public void badNames_areRefusedBeforeAnythingIsCreated() {
    for (String bad : new String[] {"", "../x", "A", "a/b", "a.db", "-a"}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> TandemAndroid.builder(app).name(bad));
      assertTrue(e.getMessage(), e.getMessage().contains("invalid database name"));
    }
    assertFalse(new File(app.getNoBackupFilesDir(), "x.db").exists());
  }

  @Test
  public void installedLibraryDir_isUsedOnlyWhenTheLibraryIsThere() throws IOException {
    File dir = Files.createTempDirectory("natives").toFile();
    assertNull(SqliteNatives.installedLibraryDir(dir.getPath()));
    assertNull(SqliteNatives.installedLibraryDir(null));

    assertTrue(new File(dir, "libsqlitejdbc.so").createNewFile());

    assertEquals(dir.getPath(), SqliteNatives.installedLibraryDir(dir.getPath()));
  }

  @Test
  public void aMissingNativeLibrary_isExplained_otherFailuresPassUnchanged() {
    RuntimeException wrapped = new RuntimeException("open failed",
        new UnsatisfiedLinkError("no sqlitejdbc in java.library.path"));

    RuntimeException e = SqliteNatives.explain(wrapped);

    assertTrue(e.getMessage(), e.getMessage().contains("arm64-v8a, armeabi-v7a, x86 and x86_64"));
    assertTrue(e.getMessage(), e.getMessage().contains("does not fall back to the platform's SQLite"));
    assertEquals(wrapped, e.getCause());
    IllegalStateException other = new IllegalStateException("disk full");
    assertEquals(other, SqliteNatives.explain(other));
  }
}
