package dev.tandem.sync.cli.history;

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
public record MappedTask(String conversationId, Source source, ObjectNode conversation,
    List<TaskRecord> records, List<String> warnings) {}
