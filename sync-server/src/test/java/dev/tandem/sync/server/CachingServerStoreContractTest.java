package dev.tandem.sync.server;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The store contract through the token cache: it passes every call on unchanged. */
class CachingServerStoreContractTest extends ServerStoreContractTest {
  @TempDir Path dir;

  @Override
  protected ServerStore newStore() {
    return CachingServerStore.wrap(SqliteServerStore.open(dir));
  }
}
