package dev.tandem.sync.sqlite;

import dev.tandem.sync.spi.LocalStore;
import dev.tandem.sync.spi.LocalStoreProvider;
import dev.tandem.sync.spi.StoreConfig;

/**
 * Opens a {@link HybridStorageBackend} for {@code Tandem.builder().database(path)}. Registered
 * for {@link java.util.ServiceLoader} in {@code META-INF/services}; hosts do not call it.
 */
public final class SqliteStoreProvider implements LocalStoreProvider {
  /** Creates the provider; called by {@link java.util.ServiceLoader}. */
  public SqliteStoreProvider() {}

  /**
   * Opens the store and migrates it to the latest schema.
   *
   * @throws dev.tandem.sync.StoreException as {@link HybridStorageBackend#open(StoreConfig)}
   */
  @Override
  public LocalStore open(StoreConfig config) {
    return HybridStorageBackend.open(config);
  }
}
