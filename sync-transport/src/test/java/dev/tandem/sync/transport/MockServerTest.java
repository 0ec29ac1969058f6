package dev.tandem.sync.transport;

import java.io.IOException;
import okhttp3.mockwebserver.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** A fresh {@link MockWebServer} for each test of the transport's negotiation with a server. */
abstract class MockServerTest {
  /** A push answer with nothing in it: every change accepted. */
  static final String PUSH_OK =
      "{\"success\":true,\"synced\":{},\"conflicts\":[],\"errors\":[],\"cursor\":\"c\"}";

  MockWebServer server;

  @BeforeEach
  void startServer() throws IOException {
    server = new MockWebServer();
    server.start();
  }

  @AfterEach
  void stopServer() throws IOException {
    server.shutdown();
  }
}
