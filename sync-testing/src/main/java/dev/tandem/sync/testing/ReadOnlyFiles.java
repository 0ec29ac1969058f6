package dev.tandem.sync.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;

/**
 * Makes files and folders read-only for tests of what a store or importer does when it cannot
 * write. Permission bits do not stop root, which CI machines often run as, so {@link #lock} also
 * sets the immutable attribute ({@code chattr +i}) when the bits alone leave the file writable.
 * Tests call {@link #lock} in an assumption ({@code assumeTrue(ReadOnlyFiles.lock(p))}) and
 * {@link #unlock} in their cleanup.
 */
public final class ReadOnlyFiles {
  private ReadOnlyFiles() {}

  /**
   * Returns true if {@code p} is now not writable by this process; false if this machine cannot
   * make it so (no POSIX permissions, or root without {@code chattr}).
   */
  public static boolean lock(Path p) throws IOException, InterruptedException {
    Files.setPosixFilePermissions(p,
        PosixFilePermissions.fromString(Files.isDirectory(p) ? "r-xr-xr-x" : "r--r--r--"));
    if (!Files.isWritable(p)) {
      return true;
    }
    // Root: the immutable attribute stops even it (ext4, xfs, btrfs; needs CAP_LINUX_IMMUTABLE).
    chattr("+i", p);
    return !Files.isWritable(p);
  }

  /** Makes {@code p} writable again (owner read-write); does nothing if it no longer exists. */
  public static void unlock(Path p) throws IOException, InterruptedException {
    if (!Files.exists(p)) {
      return;
    }
    chattr("-i", p);
    Files.setPosixFilePermissions(p,
        PosixFilePermissions.fromString(Files.isDirectory(p) ? "rwxr-xr-x" : "rw-r--r--"));
  }

  private static void chattr(String flag, Path p) throws InterruptedException {
    try {
      Process proc = new ProcessBuilder("chattr", flag, p.toString()).redirectErrorStream(true)
          .start();
      // Drained by hand: a full pipe would block chattr, and Redirect.DISCARD is not on Android.
      try (InputStream out = proc.getInputStream()) {
        byte[] sink = new byte[512];
        while (out.read(sink) >= 0) {
          // discard
        }
      }
      if (!proc.waitFor(30, TimeUnit.SECONDS)) {
        proc.destroy();
      }
    } catch (IOException e) {
      // No chattr here: lock() then sees the file is still writable and reports false.
    }
  }
}
