/**
 * Tandem's local store on SQLite: {@link dev.tandem.sync.sqlite.HybridStorageBackend}, its
 * schema {@link dev.tandem.sync.sqlite.Migrator migrations}, and the service provider that
 * {@code Tandem.builder().database(path)} finds.
 */
package dev.tandem.sync.sqlite;
