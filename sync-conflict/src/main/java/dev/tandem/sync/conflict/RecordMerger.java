package dev.tandem.sync.conflict;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.tandem.sync.Conflict;
import dev.tandem.sync.Record;
import dev.tandem.sync.internal.Json;
import dev.tandem.sync.spi.ConflictResolver;
import dev.tandem.sync.spi.ConflictResolver.Resolution;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.TreeSet;

/** One record merge of {@link ThreeWayMerge}: holds the conflicts found on the way. */
final class RecordMerger {
  private final ConflictResolver fallback;
  private final ThreeWayMerge.DeletePolicy deletePolicy;
  private final ThreeWayMerge.FieldResolver fieldResolver;
  private final ThreeWayMerge.TextFields textFields;
  private final List<Conflict> conflicts = new ArrayList<>();

  private Record base;
  private Record local;
  private Record remote;
  private Resolution fallbackDecision;
  private JsonNode fallbackMerged;

  RecordMerger(ConflictResolver fallback, ThreeWayMerge.DeletePolicy deletePolicy,
      ThreeWayMerge.FieldResolver fieldResolver, ThreeWayMerge.TextFields textFields) {
    this.fallback = fallback;
    this.deletePolicy = deletePolicy;
    this.fieldResolver = fieldResolver;
    this.textFields = textFields;
  }

  Resolution resolve(Record base, Record local, Record remote) {
    this.base = base;
    this.local = local;
    this.remote = remote;
    if (LastWriteWins.sameVersion(local, remote)) {
      return Resolution.remote(Collections.<Conflict>emptyList());
    }
    ObjectNode b = null;
    if (base != null && !base.deleted()) {
      try {
        b = base.data();
      } catch (IllegalArgumentException e) {
        // A base we cannot read only costs us the base: merge as if both created the record.
        b = null;
      }
    }
    if (local.deleted() || remote.deleted()) {
      return resolveDeletion(b);
    }
    ObjectNode l;
    ObjectNode r;
    try {
      l = local.data();
      r = remote.data();
    } catch (IllegalArgumentException e) {
      // Nothing to merge field by field; the fallback decides, and the conflict keeps both texts.
      return wholeRecordByFallback();
    }
    JsonNode m = mergeObject("", b, l, r);
    boolean eqL = same(m, l);
    boolean eqR = same(m, r);
    if (eqL && eqR) {
      // Same data written differently (key order, spacing): pick one text the same way on every
      // device.
      return remote.hlc().isAfter(local.hlc()) ? Resolution.remote(conflicts)
          : Resolution.local(conflicts);
    }
    if (eqR) {
      return Resolution.remote(conflicts);
    }
    if (eqL) {
      return Resolution.local(conflicts);
    }
    return Resolution.merged(Json.write(m), conflicts);
  }

  private Resolution resolveDeletion(ObjectNode b) {
    Record deleted = local.deleted() ? local : remote;
    Record live = local.deleted() ? remote : local;
    if (b != null && same(b, parseOrNull(live))) {
      // The live side did not change the record: the deletion is the only change.
      return deleted == local ? Resolution.local(conflicts) : Resolution.remote(conflicts);
    }
    switch (deletePolicy) {
      case UPDATE_WINS:
        return wholeRecord(live == local);
      case DELETE_WINS:
        return wholeRecord(deleted == local);
      default:
        return wholeRecordByFallback();
    }
  }

  private Resolution wholeRecord(boolean localWins) {
    conflicts.add(LastWriteWins.wholeRecord(local, remote,
        localWins ? Conflict.LOCAL_WINS : Conflict.REMOTE_WINS));
    return localWins ? Resolution.local(conflicts) : Resolution.remote(conflicts);
  }

  private Resolution wholeRecordByFallback() {
    Resolution d = fallback.resolve(base, local, remote);
    if (!d.conflicts().isEmpty()) {
      return d;
    }
    String word = d.outcome() == Resolution.Outcome.LOCAL ? Conflict.LOCAL_WINS
        : d.outcome() == Resolution.Outcome.REMOTE ? Conflict.REMOTE_WINS : Conflict.MERGED;
    List<Conflict> cs = new ArrayList<>(1);
    cs.add(LastWriteWins.wholeRecord(local, remote, word));
    switch (d.outcome()) {
      case LOCAL:
        return Resolution.local(cs);
      case REMOTE:
        return Resolution.remote(cs);
      default:
        return d.deleted() ? Resolution.mergedDeletion(cs) : Resolution.merged(d.json(), cs);
    }
  }

  private static ObjectNode parseOrNull(Record r) {
    try {
      return r.data();
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** Returns the merged value, or null if the field ends up absent. */
  private JsonNode merge(String path, JsonNode b, JsonNode l, JsonNode r) {
    if (same(l, r)) {
      return pickEqual(l, r);
    }
    if (same(b, l)) {
      return r;
    }
    if (same(b, r)) {
      return l;
    }
    if (l != null && r != null && l.isObject() && r.isObject() && (b == null || b.isObject())) {
      return mergeObject(path, (ObjectNode) b, (ObjectNode) l, (ObjectNode) r);
    }
    if (mergesAsText(b, l, r)) {
      MergeResult t = ThreeWayMerge.mergeText(b.textValue(), l.textValue(), r.textValue());
      if (t.clean()) {
        return TextNode.valueOf(t.text());
      }
    }
    return decide(path, b, l, r);
  }

  /**
   * Returns true if {@code a} and {@code b} are the same data written the same way, up to key
   * order. Unlike {@link JsonNode#equals}, numbers must match in type and exact form: {@code 1.50}
   * and {@code 1.5} differ, since they serialize differently and replicas must agree byte for byte.
   */
  static boolean same(JsonNode a, JsonNode b) {
    if (a == null || b == null) {
      return a == b;
    }
    if (a.getNodeType() != b.getNodeType()) {
      return false;
    }
    switch (a.getNodeType()) {
      case NUMBER:
        return a.numberType() == b.numberType() && a.numberValue().equals(b.numberValue());
      case OBJECT:
        if (a.size() != b.size()) {
          return false;
        }
        for (Iterator<java.util.Map.Entry<String, JsonNode>> it = a.fields(); it.hasNext(); ) {
          java.util.Map.Entry<String, JsonNode> e = it.next();
          if (!same(e.getValue(), b.get(e.getKey()))) {
            return false;
          }
        }
        return true;
      case ARRAY:
        if (a.size() != b.size()) {
          return false;
        }
        for (int i = 0; i < a.size(); i++) {
          if (!same(a.get(i), b.get(i))) {
            return false;
          }
        }
        return true;
      default:
        return a.equals(b);
    }
  }

  /**
   * Of two equal values returns the one every device picks: containers may be equal yet written
   * in a different key order.
   */
  private static JsonNode pickEqual(JsonNode l, JsonNode r) {
    if (l == null || !l.isContainerNode()) {
      return l;
    }
    String ls = Json.write(l);
    String rs = Json.write(r);
    return ls.compareTo(rs) <= 0 ? l : r;
  }

  private boolean mergesAsText(JsonNode b, JsonNode l, JsonNode r) {
    if (b == null || l == null || r == null || !b.isTextual() || !l.isTextual()
        || !r.isTextual()) {
      return false;
    }
    switch (textFields) {
      case ALL:
        return true;
      case PROSE:
        return hasSpace(b.textValue()) || hasSpace(l.textValue()) || hasSpace(r.textValue());
      default:
        return false;
    }
  }

  private static boolean hasSpace(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (Character.isWhitespace(s.charAt(i))) {
        return true;
      }
    }
    return false;
  }

  private ObjectNode mergeObject(String path, ObjectNode b, ObjectNode l, ObjectNode r) {
    ObjectNode out = Json.object();
    List<String> keys = new ArrayList<>();
    if (b != null) {
      for (Iterator<String> it = b.fieldNames(); it.hasNext(); ) {
        keys.add(it.next());
      }
    }
    TreeSet<String> added = new TreeSet<>();
    for (Iterator<String> it = l.fieldNames(); it.hasNext(); ) {
      String k = it.next();
      if (b == null || !b.has(k)) {
        added.add(k);
      }
    }
    for (Iterator<String> it = r.fieldNames(); it.hasNext(); ) {
      String k = it.next();
      if (b == null || !b.has(k)) {
        added.add(k);
      }
    }
    keys.addAll(added);
    for (String k : keys) {
      JsonNode v = merge(path + "/" + escape(k), b == null ? null : b.get(k), l.get(k), r.get(k));
      if (v != null) {
        out.set(k, v);
      }
    }
    return out;
  }

  /** Escapes a key for a JSON pointer (RFC 6901). */
  static String escape(String key) {
    return key.replace("~", "~0").replace("/", "~1");
  }

  private JsonNode decide(String path, JsonNode b, JsonNode l, JsonNode r) {
    if (fieldResolver != null) {
      JsonNode v = fieldResolver.resolve(path, b, l, r);
      if (v != null) {
        JsonNode value = v.isMissingNode() ? null : v;
        String word = same(value, l) ? Conflict.LOCAL_WINS
            : same(value, r) ? Conflict.REMOTE_WINS : Conflict.MERGED;
        record(path, l, r, word);
        return value;
      }
    }
    if (fallbackDecision == null) {
      fallbackDecision = fallback.resolve(base, local, remote);
      if (fallbackDecision.outcome() == Resolution.Outcome.MERGED && !fallbackDecision.deleted()) {
        fallbackMerged = Json.parse(fallbackDecision.json());
      }
    }
    switch (fallbackDecision.outcome()) {
      case LOCAL:
        record(path, l, r, Conflict.LOCAL_WINS);
        return l;
      case REMOTE:
        record(path, l, r, Conflict.REMOTE_WINS);
        return r;
      default:
        // A merging fallback: the field takes whatever it has at this path (absent if deleted).
        JsonNode v = fallbackMerged == null ? null : fallbackMerged.at(path);
        JsonNode value = v == null || v.isMissingNode() ? null : v;
        record(path, l, r, Conflict.MERGED);
        return value;
    }
  }

  private void record(String path, JsonNode l, JsonNode r, String word) {
    conflicts.add(new Conflict(local.type(), local.id(), path, l == null ? null : Json.write(l),
        r == null ? null : Json.write(r), word, local.hlc(), remote.hlc(), 0));
  }
}
