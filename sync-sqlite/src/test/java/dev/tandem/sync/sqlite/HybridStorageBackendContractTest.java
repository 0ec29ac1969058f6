package dev.tandem.sync.sqlite;

import dev.tandem.sync.Clock;
import dev.tandem.sync.spi.LocalStore;
import dev.tandem.sync.testing.LocalStoreContract;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The SQLite store against the contract every {@code LocalStore} passes. */
class HybridStorageBackendContractTest extends LocalStoreContract {
  @TempDir Path dir;

  @Override
  protected LocalStore openStore(Clock clock) {
    return HybridStorageBackend.open(TestStores.config(dir.resolve("contract.db"), clock));
  }
}
