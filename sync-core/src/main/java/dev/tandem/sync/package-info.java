/**
 * Tandem's public API: the {@link dev.tandem.sync.Tandem} entry point, record types and
 * repositories, the hybrid logical clock, sync status and listeners.
 *
 * <p>Types here are non-null unless marked {@code @Nullable} (JSpecify).
 */
@NullMarked
package dev.tandem.sync;

import org.jspecify.annotations.NullMarked;
