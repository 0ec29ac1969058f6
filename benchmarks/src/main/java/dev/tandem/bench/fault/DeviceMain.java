package dev.tandem.bench.fault;

import dev.tandem.sync.SyncStatus;
import dev.tandem.sync.Tandem;
import dev.tandem.sync.history.HistoryImporter;
import java.net.URI;
import java.nio.file.Paths;

/**
 * A device as a child process of {@link FaultSuite}, so that it can be killed with SIGKILL at
 * any point. {@code DeviceMain <db> <corpus> <serverUri> <token> <team> <deviceId>}: imports the
 * task folders of {@code corpus} into the device database (a task already imported is skipped by
 * its fingerprint), then syncs until nothing is pending. Prints {@code READY}, {@code IMPORTED}
 * and {@code DONE <pending> <failed>} as it goes; exit 0 once everything is on the server.
 */
public final class DeviceMain {
  private DeviceMain() {}

  public static void main(String[] args) throws Exception {
    int exit;
    try (Tandem t = Tandem.builder().database(Paths.get(args[0])).deviceId(args[5])
        .server(URI.create(args[2]), args[3], args[4]).autoSync(false).live(false).build()) {
      System.out.println("READY");
      System.out.flush();
      new HistoryImporter(t, HistoryImporter.DEFAULT_MAX_FILE_BYTES)
          .importDir(Paths.get(args[1]), null, null);
      System.out.println("IMPORTED");
      System.out.flush();
      SyncStatus s = t.status();
      for (int i = 0; i < 200; i++) {
        t.syncNow();
        s = t.status();
        if (s.pending() == 0) {
          break;
        }
      }
      System.out.println("DONE " + s.pending() + " " + s.failed());
      System.out.flush();
      exit = s.pending() == 0 && s.failed() == 0 ? 0 : 3;
    }
    System.exit(exit);
  }
}
