package dev.tandem.sync.internal;

import dev.tandem.sync.Conversation;
import dev.tandem.sync.Record;
import dev.tandem.sync.RecordTypes;
import dev.tandem.sync.protocol.Protocol;
import dev.tandem.sync.spi.LocalRecord;
import dev.tandem.sync.spi.LocalStore;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Decides which records may leave the device, apart from the push that sends them, so the one
 * rule that guards privacy can be read (and tested) on its own. Local-only conversations never
 * leave the device: not their versions, not their records, and not the deletes of either (a
 * tombstone carries no content, but it still tells the server that the record existed, when,
 * and on which device). A conversation's privacy is read from its current version, or for a
 * deleted one from the version the engine last settled (its base), since a tombstone has no
 * data. The host's sync filter applies first.
 */
final class PrivacyFilter {
  private final LocalStore store;
  private final Predicate<Record> hostFilter;
  private final UnansweredPushes unanswered;

  PrivacyFilter(LocalStore store, Predicate<Record> hostFilter, UnansweredPushes unanswered) {
    this.store = store;
    this.hostFilter = hostFilter;
    this.unanswered = unanswered;
  }

  /**
   * Whether the record's current version may be pushed. {@code localOnlyCache} holds, by
   * conversation id, what this cycle has already looked up.
   */
  boolean shouldLeaveDevice(LocalRecord lr, Map<String, Boolean> localOnlyCache) {
    Record rec = lr.current();
    if (hostFilter != null && !hostFilter.test(rec)) {
      return false;
    }
    if (RecordTypes.CONVERSATION.equals(rec.type())) {
      return rec.deleted() ? !wasLocalOnly(lr) : !isLocalOnlyData(rec);
    }
    if (RecordTypes.belongsToConversation(rec.type())) {
      if (rec.deleted() && neverReachedServer(lr)) {
        // Created and deleted between two syncs: its conversation, and so its privacy, went with
        // its data, and the server has nothing to delete.
        return false;
      }
      String conversationId = conversationIdOf(lr);
      if (conversationId == null) {
        return true;
      }
      // One lookup per conversation and cycle: a batch is mostly messages of few conversations.
      Boolean localOnly = localOnlyCache.get(conversationId);
      if (localOnly == null) {
        localOnly = isLocalOnlyConversation(conversationId);
        localOnlyCache.put(conversationId, localOnly);
      }
      return !localOnly;
    }
    return true;
  }

  private static boolean isLocalOnlyData(Record rec) {
    return Conversation.PRIVACY_LOCAL_ONLY.equals(rec.data().path("privacy").asText(null));
  }

  private boolean isLocalOnlyConversation(String conversationId) {
    LocalRecord c = store.get(RecordTypes.CONVERSATION, conversationId);
    if (c == null) {
      return false;
    }
    return c.current().deleted() ? wasLocalOnly(c) : isLocalOnlyData(c.current());
  }

  /**
   * Whether a deleted conversation counts as local-only: when it never reached the server, or
   * when the last version the engine settled was local-only (a conversation made local-only
   * after it synced stays on the server as it last synced; its delete stays here too).
   */
  private boolean wasLocalOnly(LocalRecord conversation) {
    if (neverReachedServer(conversation)) {
      return true;
    }
    Record base = conversation.base();
    return base != null && !base.deleted() && isLocalOnlyData(base);
  }

  /**
   * True when the server cannot hold the record: it has no base (never pushed, pulled or settled)
   * and no push of it ended without an answer. The cycle pulls before it pushes, so a version
   * another device stored under the same id would have become the base by now.
   */
  private boolean neverReachedServer(LocalRecord lr) {
    return lr.base() == null
        && !unanswered.mayBeOnServer(Protocol.recordKey(lr.current().type(), lr.current().id()));
  }

  private static String conversationIdOf(LocalRecord lr) {
    Record rec = lr.current();
    if (rec.deleted()) {
      // A tombstone carries no data; its last agreed base knows the conversation, if any.
      Record base = lr.base();
      return base == null || base.deleted() ? null
          : Json.topLevelText(base.json(), "conversationId");
    }
    // Asked of every record a push sends: read as tokens, not parsed into a tree.
    return Json.topLevelText(rec.json(), "conversationId");
  }
}
