package dev.tandem.bench.wire;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.tandem.sync.protocol.Change;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Removes from training samples whatever belongs to one user: keeps a string (or a line of a
 * long string) only if the training history of {@value #OWNERS} different owners holds it, and an
 * object key only if it is field-like and in two files. Counted on the training units only.
 */
final class Scrubber {
  static final int OWNERS = 3;
  private static final int LONG = 64;
  private static final Pattern FIELD = Pattern.compile("[A-Za-z_$][A-Za-z0-9_$]{0,39}");
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Map<String, Set<String>> owners = new HashMap<>();
  private final Map<String, Set<String>> keyFiles = new HashMap<>();

  Scrubber(List<WireCorpus.Unit> units) {
    for (WireCorpus.Unit u : units) {
      if (u.heldOut) {
        continue;
      }
      String owner = owner(u.name);
      for (Change c : u.served) {
        count(c.type(), owner);
        if (c.data() != null) {
          walk(tree(c.data()), owner, u.name);
        }
      }
    }
  }

  /**
   * A unit's owner: the repository owner of a Roo/Cline unit; for the session formats, whose
   * samples each come from one repository, the format.
   */
  static String owner(String unit) {
    int colon = unit.indexOf(':');
    String rest = unit.substring(colon + 1);
    return unit.startsWith("roo:") ? rest.substring(0, rest.indexOf("__"))
        : unit.substring(0, colon);
  }

  private void walk(JsonNode n, String owner, String file) {
    if (n.isTextual()) {
      String t = n.textValue();
      count(t, owner);
      if (t.length() > LONG) {
        for (String line : t.split("\n")) {
          count(line, owner);
        }
      }
    } else if (n.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        keyFiles.computeIfAbsent(e.getKey(), k -> new HashSet<>()).add(file);
        walk(e.getValue(), owner, file);
      }
    } else if (n.isArray()) {
      for (JsonNode c : n) {
        walk(c, owner, file);
      }
    }
  }

  private void count(String s, String owner) {
    if (s != null) {
      owners.computeIfAbsent(s, k -> new HashSet<>()).add(owner);
    }
  }

  private boolean common(String s) {
    Set<String> o = owners.get(s);
    return o != null && o.size() >= OWNERS;
  }

  /** The unit with every change's data scrubbed and ids emptied; its bodies rebuilt. */
  WireCorpus.Unit scrub(WireCorpus.Unit u) {
    List<Change> clean = new ArrayList<>();
    for (Change c : u.served) {
      String data = c.data() == null ? null : clean(tree(c.data())).toString();
      clean.add(new Change(c.type(), "", c.op(), c.hlc(), null, data, c.seq(), c.deviceId()));
    }
    return WireCorpus.fromServed(u.name, u.heldOut, clean);
  }

  private JsonNode clean(JsonNode n) {
    if (n.isTextual()) {
      String t = n.textValue();
      if (common(t)) {
        return n;
      }
      if (t.length() <= LONG) {
        return TextNode.valueOf("");
      }
      StringBuilder kept = new StringBuilder();
      for (String line : t.split("\n")) {
        if (common(line)) {
          kept.append(line).append('\n');
        }
      }
      return TextNode.valueOf(kept.toString());
    }
    if (n.isObject()) {
      ObjectNode out = JSON.createObjectNode();
      int i = 0;
      for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        Set<String> files = keyFiles.getOrDefault(e.getKey(), Set.of());
        String key = FIELD.matcher(e.getKey()).matches() && files.size() >= 2 ? e.getKey()
            : "k" + i;
        out.set(key, clean(e.getValue()));
        i++;
      }
      return out;
    }
    if (n.isArray()) {
      ArrayNode out = JSON.createArrayNode();
      for (JsonNode c : n) {
        out.add(clean(c));
      }
      return out;
    }
    return n;
  }

  private static JsonNode tree(String json) {
    try {
      return JSON.readTree(json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static final Pattern PERSONAL = Pattern.compile(
      "[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+\\.[A-Za-z]{2,}|/home/[a-z]|/Users/[A-Za-z]"
          + "|[A-Za-z]:(\\\\\\\\|\\\\|/)Users");

  /**
   * Throws if the dictionary still holds something that looks like an e-mail address or a home
   * folder: the last line of defence, never reached with the scrubbing above.
   */
  static void refusePersonalData(byte[] dict) {
    Matcher m = PERSONAL.matcher(new String(dict, StandardCharsets.ISO_8859_1));
    if (m.find()) {
      throw new IllegalStateException("the dictionary holds personal data: \""
          + m.group() + "\" at byte " + m.start());
    }
  }
}
