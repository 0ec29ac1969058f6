package dev.tandem.sync;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/** One full-text search result: a message, its conversation, a snippet and a rank. */
public final class SearchHit {
  private final String conversationId;
  private final String messageId;
  private final @Nullable String conversationTitle;
  private final long ts;
  private final String snippet;
  private final double rank;

  public SearchHit(String conversationId, String messageId, @Nullable String conversationTitle, long ts,
      String snippet, double rank) {
    this.conversationId = conversationId;
    this.messageId = messageId;
    this.conversationTitle = conversationTitle;
    this.ts = ts;
    this.snippet = snippet;
    this.rank = rank;
  }

  public String conversationId() {
    return conversationId;
  }

  public String messageId() {
    return messageId;
  }

  /** Returns the conversation's title, or null if it has none. */
  public @Nullable String conversationTitle() {
    return conversationTitle;
  }

  /** Returns the message time in epoch milliseconds, or 0 if unknown. */
  public long ts() {
    return ts;
  }

  /** Returns a short excerpt around the match, with matches wrapped in {@code [} and {@code ]}. */
  public String snippet() {
    return snippet;
  }

  /** Returns the relevance: lower is better (SQLite FTS5 bm25 order). */
  public double rank() {
    return rank;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    if (!(o instanceof SearchHit)) {
      return false;
    }
    SearchHit h = (SearchHit) o;
    return ts == h.ts && Double.compare(rank, h.rank) == 0
        && Objects.equals(conversationId, h.conversationId)
        && Objects.equals(messageId, h.messageId) && Objects.equals(snippet, h.snippet);
  }

  @Override
  public int hashCode() {
    return Objects.hash(conversationId, messageId, ts, snippet);
  }

  @Override
  public String toString() {
    return "SearchHit{" + conversationId + "/" + messageId + " " + snippet + "}";
  }
}
