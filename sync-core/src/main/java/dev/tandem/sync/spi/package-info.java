/**
 * Plug points: the local store, the transport to the server, the conflict resolver and the
 * redactor. Hosts rarely implement these; the sibling modules do.
 *
 * <p>Types here are non-null unless marked {@code @Nullable} (JSpecify).
 */
@NullMarked
package dev.tandem.sync.spi;

import org.jspecify.annotations.NullMarked;
