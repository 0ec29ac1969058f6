package dev.tandem.sync;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.sync.internal.Json;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The repository of conversations. Obtain it from {@link Tandem#conversations()}. Thread-safe.
 */
public final class Conversations {
  private final Tandem tandem;
  private final Records records;

  Conversations(Tandem tandem) {
    this.tandem = tandem;
    this.records = tandem.records(RecordTypes.CONVERSATION);
  }

  /** Creates or replaces a conversation and queues it for sync; returns the stored version. */
  public Conversation save(Conversation conversation) {
    return Conversation.fromRecord(records.put(conversation.id(), conversation.toJson()));
  }

  /** Returns the conversation, or null if absent or deleted. */
  public @Nullable Conversation get(String id) {
    Record r = records.get(id);
    return r == null ? null : Conversation.fromRecord(r);
  }

  /**
   * Deletes a conversation and everything that belongs to it (messages, ui messages, tool calls,
   * file context entries). Each becomes a tombstone that syncs.
   *
   * @return true if a live conversation was deleted
   */
  public boolean delete(String id) {
    Ids.requireId(id);
    return tandem.deleteConversation(id);
  }

  /** Returns conversations by last activity, most recent first, skipping {@code offset}. */
  public List<Conversation> list(int limit, int offset) {
    Records.requirePositive(limit);
    if (offset < 0) {
      throw new IllegalArgumentException("offset must not be negative: " + offset);
    }
    List<Conversation> out = new ArrayList<>();
    for (Record r : tandem.store().history().conversationsByActivity(limit, offset)) {
      out.add(Conversation.fromRecord(r));
    }
    return out;
  }

  /** Returns the number of live messages in a conversation. */
  public int messageCount(String id) {
    return tandem.store().history().countByConversation(RecordTypes.MESSAGE, Ids.requireId(id));
  }

  /**
   * Marks a conversation {@link Conversation#PRIVACY_LOCAL_ONLY} (it and everything that belongs
   * to it never leave this device) or {@link Conversation#PRIVACY_SYNC}. Switching back to sync
   * queues the conversation and everything in it.
   *
   * @throws IllegalArgumentException if there is no such conversation or the value is unknown
   */
  public Conversation setPrivacy(String id, String privacy) {
    Conversation c = get(id);
    if (c == null) {
      throw new IllegalArgumentException("no conversation " + id);
    }
    Conversation updated = c.newBuilder().privacy(privacy).build();
    ObjectNode json = updated.toJson();
    Conversation saved = Conversation.fromRecord(tandem.write(RecordTypes.CONVERSATION, id,
        Json.write(json)));
    if (!updated.isLocalOnly()) {
      tandem.requeueConversation(id);
    }
    return saved;
  }
}
