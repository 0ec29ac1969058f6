package dev.tandem.sync.android;

import android.content.Context;
import android.os.Build;
import dev.tandem.sync.StoreException;
import dev.tandem.sync.SyncException;
import java.io.File;
import java.util.Arrays;

/**
 * Where sqlite-jdbc finds its native library on a device. The AAR ships sqlite-jdbc's own
 * Android builds (with FTS5) under {@code jni/<abi>/}, so the app installs them like any JNI
 * library. Tandem never uses the platform's SQLite: many devices' builds lack FTS5, and search
 * would break on some phones only.
 */
final class SqliteNatives {
  static final String LIBRARY_FILE = "libsqlitejdbc.so";
  private static final String LIB_PATH = "org.sqlite.lib.path";
  private static final String LIB_NAME = "org.sqlite.lib.name";

  private SqliteNatives() {}

  /**
   * Points sqlite-jdbc at the library the package installer extracted, when it did (legacy
   * packaging). Otherwise sqlite-jdbc copies the library out of its jar resources into the cache
   * folder, or, if the app leaves those resources out, loads it by name from the APK.
   */
  static void preferInstalledLibrary(Context context) {
    if (System.getProperty(LIB_PATH) != null) {
      return;
    }
    String dir = installedLibraryDir(context.getApplicationInfo().nativeLibraryDir);
    if (dir != null) {
      System.setProperty(LIB_PATH, dir);
      System.setProperty(LIB_NAME, LIBRARY_FILE);
    }
  }

  /** Returns {@code nativeLibraryDir} if it holds the library, else null. */
  static String installedLibraryDir(String nativeLibraryDir) {
    if (nativeLibraryDir == null) {
      return null;
    }
    return new File(nativeLibraryDir, LIBRARY_FILE).isFile() ? nativeLibraryDir : null;
  }

  /**
   * Turns a failure to load the native library into an error that says what is missing; any
   * other failure is returned as it was.
   */
  static RuntimeException explain(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof UnsatisfiedLinkError
          || t.getClass().getName().equals("org.sqlite.NativeLibraryNotFoundException")) {
        return new StoreException(SyncException.Reason.STORE_FAILURE,
            "sqlite-jdbc's native library could not be loaded for this device's ABIs "
                + Arrays.toString(Build.SUPPORTED_ABIS) + ": the tandem-sync-android AAR ships "
                + LIBRARY_FILE + " for arm64-v8a, armeabi-v7a, x86 and x86_64; check that the "
                + "app's abiFilters or packaging excludes keep it. Tandem does not fall back to "
                + "the platform's SQLite, which lacks FTS5 on many devices. (" + t + ")",
            failure);
      }
    }
    if (failure instanceof RuntimeException) {
      return (RuntimeException) failure;
    }
    if (failure instanceof Error) {
      throw (Error) failure;
    }
    return new IllegalStateException(failure);
  }
}
