package dev.tandem.sync.conflict;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.sync.Hlc;
import dev.tandem.sync.Record;
import dev.tandem.sync.internal.Json;
import dev.tandem.sync.spi.ConflictResolver;
import dev.tandem.sync.spi.ConflictResolver.Resolution;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/**
 * Two devices resolving the same conflict with local and remote swapped must end with
 * byte-identical data, or replicas diverge.
 */
class RecordMergePropertiesTest {
  private static final String[] KEYS = {"a", "b", "c", "d"};
  private static final String[] SCALARS = {"0", "1", "2", "1.50", "1.5", "2.0", "true", "null",
      "\"x\"", "\"y\"", "\"hello world\"", "\"hello there world\"",
      "\"line one\\nline two\\n\"", "\"line ONE\\nline two\\n\"", "\"line one\\nline TWO\\n\"",
      "[1]", "[2,1]"};

  private static JsonNode scalar(Random rnd) {
    return Json.parse(SCALARS[rnd.nextInt(SCALARS.length)]);
  }

  private static ObjectNode object(Random rnd, int depth) {
    ObjectNode o = Json.object();
    for (String k : KEYS) {
      if (rnd.nextInt(3) != 0) {
        o.set(k, depth > 0 && rnd.nextInt(4) == 0 ? object(rnd, depth - 1) : scalar(rnd));
      }
    }
    return o;
  }

  private static ObjectNode edit(Random rnd, ObjectNode base, int depth) {
    ObjectNode o = base.deepCopy();
    int ops = rnd.nextInt(4);
    for (int i = 0; i < ops; i++) {
      String k = KEYS[rnd.nextInt(KEYS.length)];
      int op = rnd.nextInt(4);
      if (op == 0) {
        o.remove(k);
      } else if (op == 1 && o.get(k) != null && o.get(k).isObject() && depth > 0) {
        o.set(k, edit(rnd, (ObjectNode) o.get(k), depth - 1));
      } else if (op == 2 && depth > 0) {
        o.set(k, object(rnd, depth - 1));
      } else {
        o.set(k, scalar(rnd));
      }
    }
    return o;
  }

  /** Writes {@code node} with its keys shuffled: devices may write the same data differently. */
  private static JsonNode shuffled(Random rnd, JsonNode node) {
    if (!node.isObject()) {
      return node;
    }
    List<String> keys = new ArrayList<>();
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      keys.add(it.next());
    }
    Collections.shuffle(keys, rnd);
    ObjectNode o = Json.object();
    for (String k : keys) {
      o.set(k, shuffled(rnd, node.get(k)));
    }
    return o;
  }

  private static Record version(Random rnd, ObjectNode data, Hlc hlc) {
    if (rnd.nextInt(10) == 0) {
      return Record.tombstone("note", "n-1", hlc);
    }
    JsonNode d = rnd.nextInt(3) == 0 ? shuffled(rnd, data) : data;
    return Record.of("note", "n-1", hlc, Json.write(d));
  }

  private static final ConflictResolver[] RESOLVERS = {
      ThreeWayMerge.create(),
      ThreeWayMerge.builder().textFields(ThreeWayMerge.TextFields.ALL)
          .deletePolicy(ThreeWayMerge.DeletePolicy.DELETE_WINS).build(),
      ThreeWayMerge.builder().textFields(ThreeWayMerge.TextFields.NONE)
          .deletePolicy(ThreeWayMerge.DeletePolicy.FALLBACK).build(),
      LastWriteWins.byHlc()};

  @Property(tries = 1500)
  void resolvingOnBothDevices_givesByteIdenticalData(@ForAll long seed) {
    Random rnd = new Random(seed);
    ObjectNode baseData = object(rnd, 2);
    Record base = rnd.nextInt(6) == 0 ? null
        : Record.of("note", "n-1", Hlc.of(1_000, 0, "origin"), Json.write(baseData));
    long wallA = 2_000 + rnd.nextInt(3);
    long wallB = 2_000 + rnd.nextInt(3);
    Record a = version(rnd, edit(rnd, baseData, 2), Hlc.of(wallA, rnd.nextInt(2), "dev-a"));
    Record b = version(rnd, edit(rnd, baseData, 2), Hlc.of(wallB, rnd.nextInt(2), "dev-b"));
    for (ConflictResolver resolver : RESOLVERS) {
      Resolution onA = resolver.resolve(base, a, b);
      Resolution onB = resolver.resolve(base, b, a);
      String dataA = Records.outcome(onA, a, b);
      String dataB = Records.outcome(onB, b, a);
      assertEquals(dataA, dataB, () -> resolver + "\nbase=" + base + "\na=" + a + "\nb=" + b);
      assertEquals(onA.conflicts().size(), onB.conflicts().size());
      if (onA.outcome() == Resolution.Outcome.MERGED && !onA.deleted()) {
        assertTrue(Json.parse(onA.json()).isObject());
      }
    }
  }

  @Property(tries = 300)
  void oneSideUnchanged_takesTheOtherSideExactly(@ForAll long seed) {
    Random rnd = new Random(seed);
    ObjectNode baseData = object(rnd, 2);
    Record base = Record.of("note", "n-1", Hlc.of(1_000, 0, "origin"), Json.write(baseData));
    Record same = Record.of("note", "n-1", Hlc.of(2_000, 0, "dev-a"), Json.write(baseData));
    Record changed = version(rnd, edit(rnd, baseData, 2), Hlc.of(2_000, 0, "dev-b"));
    Resolution r = ThreeWayMerge.create().resolve(base, same, changed);
    assertEquals(Records.outcome(Resolution.remote(Collections.emptyList()), same, changed),
        Records.outcome(r, same, changed));
    assertTrue(r.conflicts().isEmpty());
  }
}
