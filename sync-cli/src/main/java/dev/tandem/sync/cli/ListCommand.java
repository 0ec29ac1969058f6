package dev.tandem.sync.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.sync.Conversation;
import dev.tandem.sync.RecordTypes;
import dev.tandem.sync.Tandem;
import dev.tandem.sync.internal.Json;
import dev.tandem.sync.spi.LocalRecord;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "list", mixinStandardHelpOptions = true,
    description = "Conversations, newest first: id, title, messages, last activity, sync state.")
final class ListCommand extends BaseCommand {
  @Option(names = "--limit", defaultValue = "50", paramLabel = "N") int limit;
  @Option(names = "--json", description = "Machine-readable output.") boolean json;

  @Override
  public Integer call() {
    if (limit < 1) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(),
          "--limit must be at least 1");
    }
    try (Tandem tandem = root().open()) {
      List<Conversation> list = tandem.conversations().list(limit, 0);
      ArrayNode a = Json.MAPPER.createArrayNode();
      for (Conversation c : list) {
        ObjectNode o = a.addObject();
        o.put("id", c.id());
        o.put("title", c.title());
        o.put("source", c.source());
        o.put("messages", tandem.conversations().messageCount(c.id()));
        o.put("uiMessages", tandem.store().history().countByConversation(RecordTypes.UI_MESSAGE, c.id()));
        o.put("lastActivity", c.updatedAt());
        o.put("syncState", syncState(tandem, c));
      }
      if (json) {
        printJson(a);
      } else if (a.isEmpty()) {
        out().println("no conversations (import some: tandem import)");
      } else {
        out().printf("%-40s %-16s %6s  %-10s  %s%n", "ID", "LAST ACTIVITY", "MSGS", "SYNC",
            "TITLE");
        for (var o : a) {
          out().printf("%-40s %-16s %6d  %-10s  %s%n", o.get("id").asText(),
              time(o.get("lastActivity").asLong()), o.get("messages").asInt(),
              o.get("syncState").asText(), oneLine(o.path("title").asText(""), 60));
        }
      }
      out().flush();
    }
    return 0;
  }

  /** local-only, pending (changed since the last sync) or synced. */
  static String syncState(Tandem tandem, Conversation c) {
    if (c.isLocalOnly()) {
      return "local-only";
    }
    LocalRecord r = tandem.store().get(RecordTypes.CONVERSATION, c.id());
    if (r == null || r.base() == null || !r.base().hlc().equals(r.current().hlc())) {
      return "pending";
    }
    return "synced";
  }
}
