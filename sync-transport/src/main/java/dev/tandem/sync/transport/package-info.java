/**
 * The default {@link dev.tandem.sync.spi.Transport}: the sync protocol over OkHttp, with the live
 * channel on OkHttp's WebSocket. {@code Tandem.builder().server(uri, token, teamId)} finds it
 * through {@link dev.tandem.sync.transport.OkHttpTransportProvider}; build an {@link
 * dev.tandem.sync.transport.OkHttpTransport} yourself to share the host's {@code OkHttpClient} or
 * to tune timeouts and compression.
 *
 * <p>Types here are non-null unless marked {@code @Nullable} (JSpecify).
 */
@NullMarked
package dev.tandem.sync.transport;

import org.jspecify.annotations.NullMarked;
