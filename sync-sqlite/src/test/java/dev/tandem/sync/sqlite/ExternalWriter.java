package dev.tandem.sync.sqlite;

import dev.tandem.sync.Clock;
import dev.tandem.sync.HlcClock;
import dev.tandem.sync.Record;
import dev.tandem.sync.spi.StoreConfig;
import java.nio.file.Paths;
import java.util.Collections;

/**
 * The other process of {@link ObserveOtherProcessTest}: opens the database given as the first
 * argument, writes one message with the id given as the second, and exits.
 */
public final class ExternalWriter {
  private ExternalWriter() {}

  public static void main(String[] args) {
    HlcClock hlc = new HlcClock(Clock.SYSTEM, "other-process");
    try (HybridStorageBackend store = HybridStorageBackend.open(new StoreConfig(
        Paths.get(args[0]), StoreConfig.DEFAULT_MAX_RECORD_BYTES, false, Clock.SYSTEM,
        Collections.emptySet()))) {
      store.inTransaction(tx -> {
        tx.writeLocal(Record.of("message", args[1], hlc.now(), "{\"content\":\"from outside\"}"));
        return null;
      });
    }
  }
}
