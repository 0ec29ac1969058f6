package dev.tandem.sync.history;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * How the exact bytes of a JSONL line live inside record data, and how a file is put together
 * again from them. Each line belongs to exactly one record, which lists it in {@code
 * _tandem.lines} (line numbers) and {@code _tandem.raw} (the line's text; {@code {"b64": …}} when
 * it is not valid UTF-8; {@code {"chunks": n}} when it is too long to sit inside the record, its
 * text then in {@code file_context} records {@code <cid>:chunk:<line>:<j>}). Lines are split at
 * {@code \n} only, so a {@code \r} stays part of its line; bytes after the last {@code \n} (an
 * agent still writing) are the file's <em>tail</em>, kept in {@code <cid>:tail:<j>} records.
 */
final class LineStore {
  /** Characters of raw lines one record holds inline; longer lines spill into chunk records. */
  static final int INLINE_CHARS = 256 * 1024;
  /** Characters of text copied into {@code content} for search and display. */
  static final int CONTENT_CHARS = 64 * 1024;

  private LineStore() {}

  /** A decoded line: its text form for the record, and whether it is base64. */
  static final class Raw {
    final String text;
    final boolean base64;

    Raw(String text, boolean base64) {
      this.text = text;
      this.base64 = base64;
    }
  }

  static Raw encode(byte[] b, int from, int to) {
    // The JDK's lenient decoder is much faster than a reporting one; it can only have replaced
    // malformed input if U+FFFD is in its result, and only then is the line decoded strictly.
    String fast = new String(b, from, to - from, StandardCharsets.UTF_8);
    if (fast.indexOf('\uFFFD') < 0) {
      return new Raw(fast, false);
    }
    try {
      String s = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(b, from, to - from)).toString();
      return new Raw(s, false);
    } catch (CharacterCodingException e) {
      byte[] part = java.util.Arrays.copyOfRange(b, from, to);
      return new Raw(Base64.getEncoder().encodeToString(part), true);
    }
  }

  /** Returns the chars the record already holds inline. */
  static int inlineChars(ObjectNode data) {
    int n = 0;
    for (JsonNode r : data.path(TaskMapper.TANDEM).path("raw")) {
      n += r.isTextual() ? r.asText().length() : r.path("b64").asText("").length();
    }
    return n;
  }

  /**
   * Adds line {@code n} to the record {@code data} (bookkeeping created if absent); a line that
   * would make the record too big goes into chunk records, added to {@code spill}.
   */
  static void addLine(ObjectNode data, String cid, String file, int n, Raw raw,
      Map<String, TaskRecord> spill) {
    ObjectNode meta = data.with(TaskMapper.TANDEM);
    if (!meta.has("file")) {
      meta.put("file", file);
      meta.put("ordinal", n);
    }
    ArrayNode lines = meta.withArray("lines");
    ArrayNode raws = meta.withArray("raw");
    lines.add(n);
    if (inlineChars(data) + raw.text.length() <= INLINE_CHARS) {
      if (raw.base64) {
        raws.addObject().put("b64", raw.text);
      } else {
        raws.add(raw.text);
      }
      return;
    }
    ObjectNode ref = raws.addObject();
    // derived: not a line holder, only read through its owner's reference
    int chunks = ImportSupport.chunks(cid, file, raw.text, j -> chunkId(cid, n, j),
        m -> m.put("line", n).put("derived", true), r -> spill.put(r.key(), r));
    ref.put("chunks", chunks);
    if (raw.base64) {
      ref.put("b64", true);
    }
  }

  static String chunkId(String cid, int line, int chunk) {
    return cid + ":chunk:" + line + ":" + chunk;
  }

  /** Text for {@code content}: capped, so a huge tool output cannot blow the record limit. */
  static String cap(String s) {
    return s.length() <= CONTENT_CHARS ? s : s.substring(0, CONTENT_CHARS) + "…";
  }

  /**
   * Puts a JSONL file together again from the records that hold its lines.
   *
   * @param info the file's entry in the conversation's {@code _tandem.files}
   * @param records every record of the conversation (any type), as data
   * @throws TaskImportException naming the file when a line is missing or corrupt
   */
  static byte[] assemble(String file, JsonNode info, List<ObjectNode> records)
      throws TaskImportException {
    int count = info.path("lines").asInt(-1);
    if (count < 0) {
      throw new TaskImportException(file, "corrupt in the store: no line count");
    }
    Map<String, String> chunkText = new HashMap<>();
    TreeMap<Integer, String> tail = new TreeMap<>();
    for (ObjectNode d : records) {
      JsonNode m = d.path(TaskMapper.TANDEM);
      if (!file.equals(m.path("file").asText(null))) {
        continue;
      }
      if (m.has("line")) {
        chunkText.put(m.path("line").asInt() + ":" + m.path("chunk").asInt(),
            d.path("text").asText(""));
      } else if (m.path("tail").asBoolean(false)) {
        tail.put(m.path("chunk").asInt(), d.path("text").asText(""));
      }
    }
    byte[][] lines = new byte[count][];
    for (ObjectNode d : records) {
      JsonNode m = d.path(TaskMapper.TANDEM);
      if (!file.equals(m.path("file").asText(null)) || !m.has("lines")) {
        continue;
      }
      JsonNode ns = m.path("lines");
      JsonNode raws = m.path("raw");
      for (int k = 0; k < ns.size(); k++) {
        int n = ns.get(k).asInt();
        if (n < 0 || n >= count || k >= raws.size()) {
          throw new TaskImportException(file, "corrupt in the store: line " + n
              + " outside the file's " + count + " lines");
        }
        lines[n] = decode(file, n, raws.get(k), chunkText);
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int n = 0; n < count; n++) {
      if (lines[n] == null) {
        throw new TaskImportException(file, "incomplete in the store: line " + n + " of "
            + count + " is missing");
      }
      out.write(lines[n], 0, lines[n].length);
      out.write('\n'); // a line is what ends in one; an unfinished last line is the tail

    }
    JsonNode t = info.path("tail");
    if (t.isObject()) {
      int chunks = t.path("chunks").asInt();
      if (tail.size() != chunks) {
        throw new TaskImportException(file, "incomplete in the store: the unfinished last line "
            + "has " + tail.size() + " of " + chunks + " chunks");
      }
      StringBuilder sb = new StringBuilder();
      for (String s : tail.values()) {
        sb.append(s);
      }
      byte[] b = bytes(file, sb.toString(), t.path("b64").asBoolean(false));
      out.write(b, 0, b.length);
    }
    return out.toByteArray();
  }

  private static byte[] decode(String file, int n, JsonNode raw, Map<String, String> chunks)
      throws TaskImportException {
    if (raw.isTextual()) {
      return raw.asText().getBytes(StandardCharsets.UTF_8);
    }
    if (raw.path("b64").isTextual()) {
      return bytes(file, raw.get("b64").asText(), true);
    }
    int k = raw.path("chunks").asInt(-1);
    if (k < 0) {
      throw new TaskImportException(file, "corrupt in the store: line " + n + " has no text");
    }
    StringBuilder sb = new StringBuilder();
    for (int j = 0; j < k; j++) {
      String c = chunks.get(n + ":" + j);
      if (c == null) {
        throw new TaskImportException(file, "incomplete in the store: line " + n
            + " misses chunk " + j + " of " + k);
      }
      sb.append(c);
    }
    return bytes(file, sb.toString(), raw.path("b64").asBoolean(false));
  }

  private static byte[] bytes(String file, String text, boolean base64)
      throws TaskImportException {
    if (!base64) {
      return text.getBytes(StandardCharsets.UTF_8);
    }
    try {
      return Base64.getDecoder().decode(text);
    } catch (IllegalArgumentException e) {
      throw new TaskImportException(file, "corrupt in the store: bad base64: " + e.getMessage());
    }
  }

  /** Returns the offsets just after each {@code \n} in {@code b[from, to)}. */
  static List<Integer> lineEnds(byte[] b, int from, int to) {
    List<Integer> out = new ArrayList<>();
    for (int i = from; i < to; i++) {
      if (b[i] == '\n') {
        out.add(i + 1);
      }
    }
    return out;
  }
}
