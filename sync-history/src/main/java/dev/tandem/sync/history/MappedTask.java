package dev.tandem.sync.history;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * A task folder mapped to records: the conversation's data (without fields the user may have set
 * in the store, such as privacy) and every record that belongs to it, in a stable order.
 *
 * @param conversationId the conversation id (the task id, made safe for record ids)
 * @param source which extension wrote it
 * @param conversation the data of the {@code conversation} record
 * @param records messages, ui messages, tool calls and file records
 * @param warnings things kept opaquely because they could not be interpreted
 */
public final class MappedTask {
  private final String conversationId;
  private final Source source;
  private final ObjectNode conversation;
  private final List<TaskRecord> records;
  private final List<String> warnings;

  public MappedTask(String conversationId, Source source, ObjectNode conversation,
      List<TaskRecord> records, List<String> warnings) {
    this.conversationId = conversationId;
    this.source = source;
    this.conversation = conversation;
    this.records = records;
    this.warnings = warnings;
  }

  public String conversationId() {
    return conversationId;
  }

  public Source source() {
    return source;
  }

  public ObjectNode conversation() {
    return conversation;
  }

  public List<TaskRecord> records() {
    return records;
  }

  public List<String> warnings() {
    return warnings;
  }

  @Override
  public boolean equals(Object other) {
    if (this == other) {
      return true;
    }
    if (!(other instanceof MappedTask)) {
      return false;
    }
    MappedTask o = (MappedTask) other;
    return java.util.Objects.equals(conversationId, o.conversationId)
        && java.util.Objects.equals(source, o.source)
        && java.util.Objects.equals(conversation, o.conversation)
        && java.util.Objects.equals(records, o.records)
        && java.util.Objects.equals(warnings, o.warnings);
  }

  @Override
  public int hashCode() {
    return java.util.Objects.hash(conversationId, source, conversation, records, warnings);
  }

  @Override
  public String toString() {
    return "MappedTask[" + "conversationId=" + conversationId + ", " + "source=" + source + ", "
        + "conversation=" + conversation + ", " + "records=" + records + ", " + "warnings="
        + warnings + "]";
  }
}
