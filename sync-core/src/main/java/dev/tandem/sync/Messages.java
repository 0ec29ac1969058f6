package dev.tandem.sync;

import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** The repository of messages. Obtain it from {@link Tandem#messages()}. Thread-safe. */
public final class Messages {
  private final Tandem tandem;
  private final Records records;

  Messages(Tandem tandem) {
    this.tandem = tandem;
    this.records = tandem.records(RecordTypes.MESSAGE);
  }

  /** Creates or replaces a message and queues it for sync; returns the stored version. */
  public Message save(Message message) {
    if (message.conversationId() == null) {
      throw new IllegalArgumentException("message " + message.id() + " has no conversationId");
    }
    return Message.fromRecord(records.put(message.id(), message.toJson()));
  }

  /** Returns the message, or null if absent or deleted. */
  public @Nullable Message get(String id) {
    Record r = records.get(id);
    return r == null ? null : Message.fromRecord(r);
  }

  /** Deletes a message (a tombstone that syncs). Returns true if a live message was deleted. */
  public boolean delete(String id) {
    return records.delete(id);
  }

  /** Returns the latest {@code limit} messages of a conversation, newest first. */
  public List<Message> latest(String conversationId, int limit) {
    return before(conversationId, Long.MAX_VALUE, limit);
  }

  /**
   * Returns up to {@code limit} messages older than {@code beforeTs}, newest first: pass the
   * oldest {@code ts} of one page to get the next.
   */
  public List<Message> before(String conversationId, long beforeTs, int limit) {
    Ids.requireId(conversationId);
    Records.requirePositive(limit);
    List<Message> out = new ArrayList<>();
    for (Record r : tandem.store().history().latestMessages(conversationId, beforeTs, limit)) {
      out.add(Message.fromRecord(r));
    }
    return out;
  }

  /** Returns every message of a conversation, oldest first. */
  public List<Message> all(String conversationId) {
    Ids.requireId(conversationId);
    List<Message> out = new ArrayList<>();
    for (Record r : tandem.store().history().listByConversation(RecordTypes.MESSAGE, conversationId)) {
      out.add(Message.fromRecord(r));
    }
    return out;
  }
}
