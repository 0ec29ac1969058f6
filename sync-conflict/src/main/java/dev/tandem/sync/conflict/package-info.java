/**
 * Conflict resolvers for Tandem: {@link dev.tandem.sync.conflict.LastWriteWins} (by clock or by
 * server arrival) and {@link dev.tandem.sync.conflict.ThreeWayMerge} (field-wise merge of JSON
 * records and line/word-wise merge of text, like {@code git merge-file}).
 *
 * <p>Everything not public here is internal.
 *
 * <p>Types here are non-null unless marked {@code @Nullable} (JSpecify).
 */
@NullMarked
package dev.tandem.sync.conflict;

import org.jspecify.annotations.NullMarked;
