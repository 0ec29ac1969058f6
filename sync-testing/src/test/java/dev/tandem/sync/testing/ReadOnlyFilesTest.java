package dev.tandem.sync.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReadOnlyFilesTest {
  @TempDir Path dir;

  @Test
  void aLockedFileRefusesWritesUntilUnlocked() throws Exception {
    Path file = Files.write(dir.resolve("a.txt"), new byte[] {1, 2, 3});
    try {
      assumeTrue(ReadOnlyFiles.lock(file), "this machine cannot make a file read-only");
      assertThrows(IOException.class, () -> Files.write(file, new byte[] {9}));
      assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(file));
    } finally {
      ReadOnlyFiles.unlock(file);
    }
    assertTrue(Files.isWritable(file));
    Files.write(file, new byte[] {4});
    assertArrayEquals(new byte[] {4}, Files.readAllBytes(file));
  }

  @Test
  void unlockingAMissingFileDoesNothing() throws Exception {
    ReadOnlyFiles.unlock(dir.resolve("gone"));
    assertTrue(Files.notExists(dir.resolve("gone")));
  }
}
