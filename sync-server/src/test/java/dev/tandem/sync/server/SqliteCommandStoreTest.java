package dev.tandem.sync.server;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class SqliteCommandStoreTest extends CommandStoreContractTest {
  @TempDir Path dir;

  @Override
  protected ServerStore newStore() {
    return SqliteServerStore.open(dir);
  }
}
