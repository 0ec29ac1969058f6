package dev.tandem.it;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fixture most sync tests share: a fresh {@link Cluster} in its own temporary directory per
 * test, closed after it. JUnit runs these methods before a subclass's own {@code @BeforeEach}
 * and after its {@code @AfterEach}, so subclasses may create devices in theirs.
 */
abstract class ClusterTest {
  @TempDir Path dir;
  Cluster cluster;

  @BeforeEach
  void startCluster() {
    cluster = new Cluster(dir);
  }

  @AfterEach
  void stopCluster() {
    cluster.close();
  }
}
