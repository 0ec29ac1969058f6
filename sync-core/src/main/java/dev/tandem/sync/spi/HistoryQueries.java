package dev.tandem.sync.spi;

import dev.tandem.sync.Record;
import dev.tandem.sync.SearchHit;
import java.util.List;

/**
 * The queries over conversation history that the repositories ({@code tandem.messages()}, {@code
 * tandem.conversations()}, {@code tandem.search}) run on a {@link LocalStore}, apart from the
 * generic sync store the engine uses. Obtained from {@link LocalStore#history()}. Thread-safe;
 * after the store is closed every method throws {@link dev.tandem.sync.ClosedException}.
 */
public interface HistoryQueries {
  /**
   * Returns live records of {@code type} whose {@code conversationId} is {@code conversationId},
   * in the order they were written by their creator ({@code ts}, then id).
   */
  List<Record> listByConversation(String type, String conversationId);

  /**
   * Returns the latest {@code limit} live messages of a conversation with {@code ts} strictly
   * before {@code beforeTs} (Long.MAX_VALUE for the newest), newest first.
   */
  List<Record> latestMessages(String conversationId, long beforeTs, int limit);

  /**
   * Returns live conversations ordered by last activity (most recent first, then id), skipping
   * {@code offset}.
   */
  List<Record> conversationsByActivity(int limit, int offset);

  /** Returns the number of live records of {@code type} in a conversation. */
  int countByConversation(String type, String conversationId);

  /**
   * Runs a full-text search over message text and returns ranked hits with snippets.
   *
   * @throws IllegalArgumentException if the query cannot be parsed
   * @throws UnsupportedOperationException if the store keeps no full-text index
   */
  List<SearchHit> search(String query, int limit);
}
