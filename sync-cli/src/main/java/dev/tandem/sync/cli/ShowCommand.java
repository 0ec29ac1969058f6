package dev.tandem.sync.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.sync.Conversation;
import dev.tandem.sync.Record;
import dev.tandem.sync.RecordTypes;
import dev.tandem.sync.Tandem;
import dev.tandem.sync.history.TaskMapper;
import dev.tandem.sync.internal.Json;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "show", mixinStandardHelpOptions = true,
    description = "One conversation's messages, in order.")
final class ShowCommand extends BaseCommand {
  @Parameters(paramLabel = "ID") String id;

  @Option(names = "--ui", description = "Show the chat rows the user saw (ui messages) instead "
      + "of the model's messages.") boolean ui;

  @Option(names = "--json", description = "Machine-readable output.") boolean json;

  @Override
  public Integer call() {
    try (Tandem tandem = root().open()) {
      Conversation c = tandem.conversations().get(id);
      if (c == null) {
        err().println("tandem: no conversation " + id);
        return 1;
      }
      List<Record> records = new ArrayList<>(tandem.store().history().listByConversation(
          ui ? RecordTypes.UI_MESSAGE : RecordTypes.MESSAGE, id));
      // Imported records carry their position in the file; the store orders by ts, which is
      // neither unique nor always present.
      records.sort(Comparator.comparingInt((Record r) -> ordinal(r)).thenComparing(Record::id));
      if (json) {
        ObjectNode o = Json.object();
        o.set("conversation", c.toJson());
        ArrayNode a = o.putArray(ui ? "uiMessages" : "messages");
        for (Record r : records) {
          ObjectNode m = a.addObject();
          m.put("id", r.id());
          m.setAll(r.data());
        }
        printJson(o);
        return 0;
      }
      out().println(c.id() + "  " + oneLine(c.title(), 100));
      out().println("source " + c.source() + ", " + records.size()
          + (ui ? " ui messages" : " messages") + ", last activity " + time(c.updatedAt()));
      out().println();
      for (Record r : records) {
        ObjectNode d = r.data();
        long ts = d.path("ts").asLong(0);
        String who;
        String text;
        if (ui) {
          who = d.path("type").asText("?") + ":" + d.path(d.path("type").asText("say")).asText("");
          text = d.path("text").asText("");
        } else {
          who = d.path("role").asText("?");
          text = TaskMapper.contentText(d.get("content"));
        }
        out().println("[" + time(ts) + "] " + who);
        out().println(text.isEmpty() ? "  (no text)" : text.indent(2).stripTrailing());
        out().println();
      }
      out().flush();
    }
    return 0;
  }

  private static int ordinal(Record r) {
    return r.data().path(TaskMapper.TANDEM).path("ordinal").asInt(Integer.MAX_VALUE);
  }
}
