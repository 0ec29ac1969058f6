package dev.tandem.sync;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Set;

/** Names of the built-in record types. */
public final class RecordTypes {
  public static final String CONVERSATION = "conversation";
  public static final String MESSAGE = "message";
  public static final String UI_MESSAGE = "ui_message";
  public static final String TOOL_CALL = "tool_call";
  public static final String AUDIT_LOG = "audit_log";
  public static final String FILE_CONTEXT = "file_context";

  /** The built-in types, in dependency order (a conversation before what belongs to it). */
  public static final Set<String> BUILT_IN =
      Collections.unmodifiableSet(
          new LinkedHashSet<>(
              Arrays.asList(CONVERSATION, MESSAGE, UI_MESSAGE, TOOL_CALL, AUDIT_LOG, FILE_CONTEXT)));

  private RecordTypes() {}

  /** Returns true for types whose records carry a {@code conversationId} field. */
  public static boolean belongsToConversation(String type) {
    return MESSAGE.equals(type)
        || UI_MESSAGE.equals(type)
        || TOOL_CALL.equals(type)
        || FILE_CONTEXT.equals(type);
  }
}
