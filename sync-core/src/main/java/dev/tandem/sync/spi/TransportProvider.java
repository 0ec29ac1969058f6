package dev.tandem.sync.spi;

import java.net.URI;

/**
 * Creates the {@link Transport} for {@code Tandem.builder().server(uri, token, teamId)}. Found with
 * {@link java.util.ServiceLoader}; {@code tandem-sync-transport} provides one.
 */
public interface TransportProvider {
  Transport create(URI server, String token, String teamId, String deviceId);
}
