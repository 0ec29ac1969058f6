package dev.tandem.sync.sqlite.internal;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/** What of a message is indexed for search, and how user input becomes an FTS5 query. */
public final class SearchText {
  private SearchText() {}

  /**
   * Returns the searchable text of a message's {@code content}: the string itself, or the {@code
   * text} of text blocks and the text inside {@code tool_result} blocks, joined by newlines.
   * Tool inputs and images are not indexed.
   */
  public static String of(JsonNode content) {
    if (content == null || content.isNull()) {
      return "";
    }
    if (content.isTextual()) {
      return content.asText();
    }
    StringBuilder sb = new StringBuilder();
    appendBlocks(content, sb, 0);
    return sb.toString();
  }

  private static void appendBlocks(JsonNode blocks, StringBuilder sb, int depth) {
    if (!blocks.isArray() || depth > 4) {
      return;
    }
    for (JsonNode block : blocks) {
      String type = block.path("type").asText("");
      JsonNode text = block.get("text");
      if (text != null && text.isTextual() && (type.isEmpty() || type.equals("text"))) {
        append(sb, text.asText());
      } else if (type.equals("tool_result")) {
        JsonNode c = block.get("content");
        if (c != null && c.isTextual()) {
          append(sb, c.asText());
        } else if (c != null) {
          appendBlocks(c, sb, depth + 1);
        }
      }
    }
  }

  private static void append(StringBuilder sb, String s) {
    if (s.isEmpty()) {
      return;
    }
    if (sb.length() > 0) {
      sb.append('\n');
    }
    sb.append(s);
  }

  /**
   * Turns user input into an FTS5 query that cannot be a syntax error: each whitespace-separated
   * word becomes a quoted phrase (FTS5 tokenizes inside the quotes, so {@code foo.bar()} becomes
   * the phrase "foo bar"), the phrases are ANDed, and a trailing {@code *} keeps its meaning as a
   * prefix search. Words without a letter or digit are dropped.
   *
   * @throws IllegalArgumentException if no searchable word remains
   */
  public static String toFtsQuery(String input) {
    List<String> parts = new ArrayList<>();
    for (String word : input.trim().split("\\s+")) {
      boolean prefix = word.endsWith("*");
      String w = word.replace("\"", " ").replace("*", " ").trim();
      if (!hasLetterOrDigit(w)) {
        continue;
      }
      parts.add("\"" + w + "\"" + (prefix ? "*" : ""));
    }
    if (parts.isEmpty()) {
      throw new IllegalArgumentException("search query has no searchable word: \"" + input + "\"");
    }
    return String.join(" ", parts);
  }

  private static boolean hasLetterOrDigit(String s) {
    for (int i = 0; i < s.length(); ) {
      int cp = s.codePointAt(i);
      if (Character.isLetterOrDigit(cp)) {
        return true;
      }
      i += Character.charCount(cp);
    }
    return false;
  }
}
