package dev.tandem.sync.server;

import org.junit.jupiter.api.BeforeAll;

/** The device registry and command queue contract on PostgreSQL (one embedded server per JVM). */
class PostgresCommandStoreTest extends CommandStoreContractTest {
  private static String url;
  private static String database;

  @BeforeAll
  static void database() {
    url = EmbeddedPostgresHolder.newDatabase("command_contract");
    database = url.substring(url.lastIndexOf('/') + 1, url.indexOf('?'));
  }

  @Override
  protected ServerStore newStore() {
    EmbeddedPostgresHolder.exec(database, "DROP SCHEMA public CASCADE; CREATE SCHEMA public");
    return PostgresServerStore.open(url, null, null, 4);
  }
}
