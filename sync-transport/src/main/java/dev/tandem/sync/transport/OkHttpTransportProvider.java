package dev.tandem.sync.transport;

import dev.tandem.sync.spi.Transport;
import dev.tandem.sync.spi.TransportProvider;
import java.net.URI;

/**
 * Makes {@code Tandem.builder().server(uri, token, teamId)} use an {@link OkHttpTransport} with
 * default settings. Registered in {@code META-INF/services}; hosts that want their own {@code
 * OkHttpClient} or timeouts build an {@link OkHttpTransport} and pass it to the builder instead.
 */
public final class OkHttpTransportProvider implements TransportProvider {
  /** Public for {@link java.util.ServiceLoader}. */
  public OkHttpTransportProvider() {}

  @Override
  public Transport create(URI server, String token, String teamId, String deviceId) {
    return OkHttpTransport.builder()
        .baseUrl(server)
        .token(token)
        .teamId(teamId)
        .deviceId(deviceId)
        .build();
  }
}
