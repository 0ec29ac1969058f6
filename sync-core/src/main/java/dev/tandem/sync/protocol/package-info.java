/**
 * The wire protocol's value types and codec, shared by the client and the reference server.
 *
 * <p>Types here are non-null unless marked {@code @Nullable} (JSpecify).
 */
@NullMarked
package dev.tandem.sync.protocol;

import org.jspecify.annotations.NullMarked;
