package dev.tandem.sync.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.sync.SearchHit;
import dev.tandem.sync.Tandem;
import dev.tandem.sync.internal.Json;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "search", mixinStandardHelpOptions = true,
    description = "Full-text search over messages: conversation, time, snippet.")
final class SearchCommand extends BaseCommand {
  @Parameters(paramLabel = "QUERY", arity = "1..*") List<String> query;
  @Option(names = "--limit", defaultValue = "20", paramLabel = "N") int limit;
  @Option(names = "--json", description = "Machine-readable output.") boolean json;

  @Override
  public Integer call() {
    if (limit < 1) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(),
          "--limit must be at least 1");
    }
    String q = String.join(" ", query);
    if (q.isBlank()) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), "empty query");
    }
    try (Tandem tandem = root().open()) {
      List<SearchHit> hits = tandem.search(q, limit);
      if (json) {
        ArrayNode a = Json.MAPPER.createArrayNode();
        for (SearchHit h : hits) {
          ObjectNode o = a.addObject();
          o.put("conversationId", h.conversationId());
          o.put("conversationTitle", h.conversationTitle());
          o.put("messageId", h.messageId());
          o.put("ts", h.ts());
          o.put("snippet", h.snippet());
          o.put("rank", h.rank());
        }
        printJson(a);
        return 0;
      }
      if (hits.isEmpty()) {
        out().println("no matches for " + q);
      }
      for (SearchHit h : hits) {
        out().printf("%s  %s  %s%n    %s%n", time(h.ts()), h.conversationId(),
            oneLine(h.conversationTitle(), 50), oneLine(h.snippet(), 160));
      }
      out().flush();
    }
    return 0;
  }
}
