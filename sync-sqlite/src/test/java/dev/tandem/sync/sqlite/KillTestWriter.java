package dev.tandem.sync.sqlite;

import dev.tandem.sync.Clock;
import dev.tandem.sync.HlcClock;
import dev.tandem.sync.Record;
import dev.tandem.sync.spi.StoreConfig;
import java.nio.file.Paths;
import java.util.Collections;

/**
 * The child process of {@link CrashConsistencyTest}: writes records in a loop, several per
 * transaction, and prints the number of committed transactions after each commit, until killed.
 * Arguments: the database, and the number of the first transaction (default 1), so that a child
 * started again on a database a killed one left behind writes new records.
 */
public final class KillTestWriter {
  private KillTestWriter() {}

  public static void main(String[] args) {
    HybridStorageBackend store = HybridStorageBackend.open(new StoreConfig(Paths.get(args[0]),
        StoreConfig.DEFAULT_MAX_RECORD_BYTES, false, Clock.SYSTEM, Collections.emptySet()));
    HlcClock hlc = new HlcClock(Clock.SYSTEM, "child-1");
    StringBuilder filler = new StringBuilder();
    for (int i = 0; i < 200; i++) {
      filler.append("lorem ipsum dolor ").append(i).append(' ');
    }
    int first = args.length > 1 ? Integer.parseInt(args[1]) : 1;
    for (int n = first; n < first + 1_000_000; n++) {
      int i = n;
      store.inTransaction(tx -> {
        String c = "c-" + (i / 10);
        tx.writeLocal(Record.of("conversation", c, hlc.now(),
            "{\"title\":\"conversation " + i / 10 + "\",\"updatedAt\":" + i + "}"));
        tx.writeLocal(Record.of("message", "m-" + i, hlc.now(), "{\"conversationId\":\"" + c
            + "\",\"role\":\"user\",\"ts\":" + i + ",\"content\":\"message " + i + " " + filler
            + "\"}"));
        // One hot record rewritten in every transaction: coalesces into one entry.
        tx.writeLocal(Record.of("tool_call", "hot", hlc.now(), "{\"n\":" + i + "}"));
        if (i % 7 == 0) {
          tx.writeLocal(Record.tombstone("message", "m-" + (i - 3), hlc.now()));
        }
        return null;
      });
      System.out.println("committed " + n);
      System.out.flush();
    }
  }
}
