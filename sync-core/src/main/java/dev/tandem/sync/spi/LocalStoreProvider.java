package dev.tandem.sync.spi;

/**
 * Opens a {@link LocalStore} for {@code Tandem.builder().database(path)}. Found with {@link
 * java.util.ServiceLoader}; {@code tandem-sync-sqlite} provides one.
 */
public interface LocalStoreProvider {
  /**
   * Opens (creating if needed) the store at {@code config.path()} and migrates its schema.
   *
   * @throws dev.tandem.sync.StoreException if the file cannot be opened or is not a database
   */
  LocalStore open(StoreConfig config);
}
