/**
 * Tandem's local store on SQLite: {@link dev.tandem.sync.sqlite.HybridStorageBackend}, its
 * schema {@link dev.tandem.sync.sqlite.Migrator migrations}, and the service provider that
 * {@code Tandem.builder().database(path)} finds.
 *
 * <p>Types here are non-null unless marked {@code @Nullable} (JSpecify).
 */
@NullMarked
package dev.tandem.sync.sqlite;

import org.jspecify.annotations.NullMarked;
