package dev.tandem.sample;

import dev.tandem.sync.Conversation;
import dev.tandem.sync.Message;
import dev.tandem.sync.SearchHit;
import dev.tandem.sync.SyncResult;
import dev.tandem.sync.Tandem;
import dev.tandem.sync.conflict.ThreeWayMerge;
import java.net.URI;
import java.nio.file.Paths;
import java.util.List;

/**
 * A tiny "app" for the shrink test: only its entry point is kept by the app's own rule, so that
 * everything it reaches in the libraries survives ProGuard only through the AAR's consumer rules.
 * Uses the same code paths an app does: the builder finding the store and transport through
 * ServiceLoader, SQLite with FTS5, JSON, HTTP to the server, and a conflict resolver.
 *
 * <p>Arguments: database file, server URI, token, team, device id. Prints what it saw; exits 0
 * only if it synced both ways and found its message by full-text search.
 */
public final class ShrinkSample {
  private ShrinkSample() {}

  public static void main(String[] args) {
    int status;
    try (Tandem t = Tandem.builder().database(Paths.get(args[0]))
        .server(URI.create(args[1]), args[2], args[3]).deviceId(args[4])
        .conflictResolver(ThreeWayMerge.create()).autoSync(false).build()) {
      t.conversations().save(Conversation.builder("c-shrunk").title("from the shrunk app").build());
      t.messages().save(Message.builder("m-shrunk", "c-shrunk").role("user")
          .content("obfuscated but still searchable").build());
      SyncResult r = t.syncNow();
      List<SearchHit> hits = t.search("searchable", 5);
      Conversation fromDesk = t.conversations().get("c-desk");
      System.out.println("sync=" + r);
      System.out.println("hits=" + hits.size());
      System.out.println("desk=" + (fromDesk == null ? null : fromDesk.title()));
      status = r.ok() && r.pushed() == 2 && hits.size() == 1 && fromDesk != null ? 0 : 1;
    } catch (RuntimeException e) {
      e.printStackTrace();
      status = 2;
    }
    System.exit(status);
  }
}
