package dev.tandem.sync.testing;

import dev.tandem.sync.Clock;
import dev.tandem.sync.spi.LocalStore;

/** The in-memory store keeps the same promises as the SQLite one. */
class InMemoryStoreContractTest extends LocalStoreContract {
  @Override
  protected LocalStore openStore(Clock clock) {
    return new InMemoryStore(clock);
  }
}
