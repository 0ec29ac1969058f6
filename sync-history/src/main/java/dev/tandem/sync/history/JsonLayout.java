package dev.tandem.sync.history;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.sync.internal.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * How a JSON file was laid out on disk: compact (what both extensions write) or pretty-printed
 * with some indent (what people who copy task folders by hand often produce), line ending, final
 * newline, byte-order mark. Recorded at import so that export reproduces the bytes where that is
 * cheap; the guarantee is only that the export parses equal.
 */
final class JsonLayout {
  private final String indent;
  private final String eol;
  private final boolean finalNewline;
  private final boolean bom;

  JsonLayout(String indent, String eol, boolean finalNewline, boolean bom) {
    this.indent = indent;
    this.eol = eol;
    this.finalNewline = finalNewline;
    this.bom = bom;
  }

  String indent() {
    return indent;
  }

  String eol() {
    return eol;
  }

  boolean finalNewline() {
    return finalNewline;
  }

  boolean bom() {
    return bom;
  }

  static final JsonLayout COMPACT = new JsonLayout("", "\n", false, false);

  // Like JSON.stringify: "\u001b" in lower case. Generators are made on a Writer so characters
  // outside the BMP come out as UTF-8, not as escaped surrogate pairs (what Jackson's UTF-8
  // generator does).
  private static final JsonFactory FACTORY = JsonFactory.builder()
      .disable(JsonWriteFeature.WRITE_HEX_UPPER_CASE)
      .build();

  /** Reads the first and last bytes of {@code file} to guess its layout. */
  static JsonLayout detect(Path file) throws IOException {
    long size = Files.size(file);
    byte[] head = new byte[(int) Math.min(256, size)];
    // NOFOLLOW: the importer checked this was a regular file; a link swapped in is not read
    try (InputStream in = Files.newInputStream(file, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      int n = Text.readUpTo(in, head, 0, head.length);
      if (n < head.length) {
        head = java.util.Arrays.copyOf(head, n);
      }
    }
    byte[] tail = new byte[(int) Math.min(2, size)];
    try (var ch = Files.newByteChannel(file, java.nio.file.StandardOpenOption.READ,
        java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      ch.position(size - tail.length);
      ch.read(java.nio.ByteBuffer.wrap(tail));
    }
    return detect(head, tail);
  }

  /** Guesses the layout of a whole file's bytes. */
  static JsonLayout detect(byte[] all) {
    byte[] head = java.util.Arrays.copyOf(all, Math.min(256, all.length));
    byte[] tail = java.util.Arrays.copyOfRange(all, Math.max(0, all.length - 2), all.length);
    return detect(head, tail);
  }

  private static JsonLayout detect(byte[] head, byte[] tail) {
    int i = 0;
    boolean bom = head.length >= 3 && (head[0] & 0xff) == 0xEF && (head[1] & 0xff) == 0xBB
        && (head[2] & 0xff) == 0xBF;
    if (bom) {
      i = 3;
    }
    boolean finalNewline = tail.length > 0 && tail[tail.length - 1] == '\n';
    String eol = tail.length == 2 && tail[0] == '\r' && finalNewline ? "\r\n" : "\n";
    // after the opening bracket: a newline means pretty-printed; the whitespace before the next
    // token is one indent level.
    while (i < head.length && head[i] != '[' && head[i] != '{') {
      i++;
    }
    i++;
    if (i < head.length && (head[i] == '\r' || head[i] == '\n')) {
      if (head[i] == '\r') {
        eol = "\r\n";
        i++;
      }
      i++;
      int start = i;
      while (i < head.length && (head[i] == ' ' || head[i] == '\t')) {
        i++;
      }
      String indent = new String(head, start, i - start, StandardCharsets.US_ASCII);
      if (!indent.isEmpty()) {
        return new JsonLayout(indent, eol, finalNewline, bom);
      }
    }
    return new JsonLayout("", eol, finalNewline, bom);
  }

  boolean pretty() {
    return !indent.isEmpty();
  }

  ObjectNode toJson() {
    ObjectNode o = Json.object();
    o.put("indent", indent);
    o.put("eol", eol);
    o.put("finalNewline", finalNewline);
    o.put("bom", bom);
    return o;
  }

  static JsonLayout fromJson(JsonNode o) {
    if (o == null || !o.isObject()) {
      return COMPACT;
    }
    return new JsonLayout(o.path("indent").asText(""), o.path("eol").asText("\n"),
        o.path("finalNewline").asBoolean(false), o.path("bom").asBoolean(false));
  }

  /** Writes {@code elements} as a JSON array in this layout. */
  void writeArray(OutputStream out, List<? extends JsonNode> elements) throws IOException {
    if (bom) {
      out.write(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF});
    }
    java.io.Writer w = new java.io.BufferedWriter(
        new java.io.OutputStreamWriter(out, StandardCharsets.UTF_8), 1 << 16);
    try (JsonGenerator g = FACTORY.createGenerator(w)) {
      g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
      if (pretty()) {
        g.setPrettyPrinter(printer(indent, eol));
      }
      g.writeStartArray();
      for (JsonNode e : elements) {
        Json.MAPPER.writeTree(g, e);
      }
      g.writeEndArray();
    }
    w.flush();
    if (finalNewline) {
      out.write(eol.getBytes(StandardCharsets.US_ASCII));
    }
  }

  /** Writes one JSON value in this layout. */
  void writeValue(OutputStream out, JsonNode value) throws IOException {
    if (bom) {
      out.write(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF});
    }
    java.io.Writer w = new java.io.BufferedWriter(
        new java.io.OutputStreamWriter(out, StandardCharsets.UTF_8), 1 << 16);
    try (JsonGenerator g = FACTORY.createGenerator(w)) {
      g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
      if (pretty()) {
        g.setPrettyPrinter(printer(indent, eol));
      }
      Json.MAPPER.writeTree(g, value);
    }
    w.flush();
    if (finalNewline) {
      out.write(eol.getBytes(StandardCharsets.US_ASCII));
    }
  }

  /**
   * Jackson's own printer, configured to the layout of {@code JSON.stringify(x, null, indent)}
   * (and Python's {@code json.dump(x, indent=n)}): {@code "key": value}, one element per line,
   * {@code []} and <code>{}</code> for empty containers. Its defaults differ
   * ({@code "key" : value}, {@code [ ]}).
   */
  private static DefaultPrettyPrinter printer(String indent, String eol) {
    DefaultIndenter indenter = new DefaultIndenter(indent, eol);
    Separators separators = Separators.createDefaultInstance()
        .withObjectFieldValueSpacing(Separators.Spacing.AFTER)
        .withObjectEmptySeparator("")
        .withArrayEmptySeparator("")
        .withRootSeparator("");
    return new DefaultPrettyPrinter(separators)
        .withObjectIndenter(indenter)
        .withArrayIndenter(indenter);
  }

  @Override
  public boolean equals(Object other) {
    if (this == other) {
      return true;
    }
    if (!(other instanceof JsonLayout)) {
      return false;
    }
    JsonLayout o = (JsonLayout) other;
    return java.util.Objects.equals(indent, o.indent)
        && java.util.Objects.equals(eol, o.eol)
        && finalNewline == o.finalNewline
        && bom == o.bom;
  }

  @Override
  public int hashCode() {
    return java.util.Objects.hash(indent, eol, finalNewline, bom);
  }

  @Override
  public String toString() {
    return "JsonLayout[" + "indent=" + indent + ", " + "eol=" + eol + ", " + "finalNewline="
        + finalNewline + ", " + "bom=" + bom + "]";
  }
}
