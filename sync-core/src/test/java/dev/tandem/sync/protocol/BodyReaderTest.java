package dev.tandem.sync.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The reader of push requests and pull pages: the data of a change is kept byte for byte, and
 * nothing is accepted that Jackson's defaults would refuse, so that whatever the server stores
 * reads back on every device.
 */
class BodyReaderTest {
  private static final ObjectMapper JACKSON = new ObjectMapper();
  private static final String H = "0192f3a4b5c6-0001-a";

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String push(String data) {
    return "{\"batchId\":\"b\",\"changes\":[{\"type\":\"message\",\"id\":\"m-1\",\"op\":\"upsert\","
        + "\"hlc\":\"" + H + "\",\"data\":" + data + "}]}";
  }

  private static String dataOf(byte[] body) {
    return BodyReader.readPushRequest(body).changes().get(0).data();
  }

  private static ProtocolException refused(byte[] body) {
    ProtocolException e = assertThrows(ProtocolException.class,
        () -> BodyReader.readPushRequest(body), new String(body, StandardCharsets.UTF_8));
    assertEquals("bad_request", e.code());
    return e;
  }

  @Test
  void data_isKeptByteForByte_whateverItHolds() {
    String[] cases = {"{}", "{ }", "{\"a\":1}", "{\"n\":-0.5e+10,\"z\":0,\"big\":123456789012345678901234567890}",
        "{\"s\":\"caf\u00e9 \u2192 \u2713 \ud83d\ude00\",\"e\":\"\\u00e9\\ud83d\\ude00\\\"\\\\\\/\\b\\f\\n\\r\\t\"}",
        "{\"a\":[1,[2,[3,{}]],true,false,null],\"a\":\"duplicate names: the last counts\"}",
        "{\"deep\":{\"deeper\":{\"x\":[[[[\"y\"]]]]}}}", "{\r\n\t\"ws\" :\t[ ] \n}"};
    for (String data : cases) {
      assertEquals(data, dataOf(utf8(push(data))), data);
    }
  }

  @Test
  void writtenData_roundTripsByteForByte_acrossTheWritersBufferSize() {
    // Jackson's output buffer is 8000 bytes: data is copied into it, or written past it.
    for (int size : new int[] {2, 100, 7_990, 8_000, 8_010, 16_500, 100_000}) {
      for (String filler : new String[] {"a", "\u00e9\u2192", "\ud83d\ude00"}) {
        StringBuilder sb = new StringBuilder("{\"s\":\"");
        while (sb.length() < size) {
          sb.append(filler);
        }
        String data = sb.append("\"}").toString();
        Change c = new Change("message", "m-1", Change.UPSERT, H, null, data, 0, null);
        PushRequest push = new PushRequest("b", "a", List.of(c, c));
        assertEquals(List.of(c, c),
            ProtocolCodec.readPushRequest(ProtocolCodec.writePushRequest(push)).changes());
        ByteArrayOutputStream streamed = new ByteArrayOutputStream();
        ProtocolCodec.writePushRequest(push, streamed);
        assertEquals(List.of(c, c),
            ProtocolCodec.readPushRequest(streamed.toByteArray()).changes());
        Change served = c.withSeq(1, "a");
        PullResponse page = new PullResponse(List.of(served), "c-1", false, 5);
        assertEquals(List.of(served),
            ProtocolCodec.readPullResponse(ProtocolCodec.writePullResponse(page)).changes());
      }
    }
  }

  @Test
  void stringFields_areDecoded_escapesAndUtf8Included() {
    Change c = BodyReader.readPushRequest(utf8("{\"batchId\":\"b\\u0031\",\"changes\":[{\"t\\u0079pe\":"
        + "\"mess\\u0061ge\",\"id\":\"caf\u00e9\",\"op\":\"upsert\",\"hlc\":\"" + H + "\","
        + "\"seq\":-9223372036854775808,\"ifBase\":true}]}")).changes().get(0);
    assertEquals("message", c.type());
    assertEquals("caf\u00e9", c.id());
    assertEquals(Long.MIN_VALUE, c.seq());
    assertTrue(c.ifBase());
    assertEquals("b1", BodyReader.readPushRequest(utf8("{\"batchId\":\"b\\u0031\",\"changes\":[]}"))
        .batchId());
  }

  @Test
  void nesting_isLimitedToJacksonsDefault_countingTheEnvelope() {
    // Root object, changes array and the change make three levels before the data's own.
    int dataLevels = BodyReader.MAX_DEPTH - 3;
    assertEquals(nested(dataLevels), dataOf(utf8(push(nested(dataLevels)))));
    ProtocolException e = refused(utf8(push(nested(dataLevels + 1))));
    assertTrue(e.getMessage().startsWith("malformed JSON: nesting depth exceeds the maximum of 1000"),
        e.getMessage());
    // An unknown field is held to the same limit.
    refused(utf8("{\"batchId\":\"b\",\"x\":" + "[".repeat(1000) + "]".repeat(1000)
        + ",\"changes\":[]}"));
  }

  @Test
  void theDeepestBody_readsOnASmallThreadStack() throws InterruptedException {
    byte[] body = utf8(push("{\"a\":" + "[".repeat(BodyReader.MAX_DEPTH - 4)
        + "]".repeat(BodyReader.MAX_DEPTH - 4) + "}"));
    Object[] outcome = new Object[1];
    // 64 KiB: less than a thousand nested calls of a recursive reader would need.
    Thread t = new Thread(null, () -> {
      try {
        outcome[0] = BodyReader.readPushRequest(body).changes().get(0).data().length();
      } catch (Throwable e) {
        outcome[0] = e;
      }
    }, "small-stack", 64 * 1024);
    t.start();
    t.join(30_000);
    assertEquals(body.length - push("").length(), outcome[0]);
  }

  private static String nested(int levels) {
    StringBuilder sb = new StringBuilder();
    for (int i = 1; i < levels; i++) {
      sb.append("{\"a\":");
    }
    sb.append("{}");
    for (int i = 1; i < levels; i++) {
      sb.append('}');
    }
    return sb.toString();
  }

  @Test
  void numbers_areLimitedToJacksonsDefaultLength_andChecked() {
    String longest = "1".repeat(BodyReader.MAX_NUMBER_CHARS);
    assertEquals("{\"n\":" + longest + "}", dataOf(utf8(push("{\"n\":" + longest + "}"))));
    assertTrue(refused(utf8(push("{\"n\":" + longest + "1}"))).getMessage()
        .contains("number longer than 1000"));
    for (String bad : new String[] {"01", "-", "1.", ".5", "1e", "1e+", "+1", "NaN", "Infinity",
        "-Infinity", "0x10", "1.2.3"}) {
      refused(utf8(push("{\"n\":" + bad + "}")));
    }
    assertTrue(refused(utf8("{\"batchId\":\"b\",\"changes\":[{\"seq\":9223372036854775808}]}"))
        .getMessage().contains("out of range"));
  }

  @Test
  void malformedData_isRefused_withWhatIsWrong() {
    String[][] cases = {
        {"{\"a\":1,}", "close marker"}, {"{'a':1}", "field name"}, {"{a:1}", "field name"},
        {"{\"a\":1 /* c */}", "unexpected character"}, {"{\"a\":tru}", "unexpected"},
        {"{\"a\":nul}", "unexpected"}, {"{\"a\":\"\\x\"}", "unrecognized escape"},
        {"{\"a\":\"\\u12g4\"}", "four hex digits"}, {"{\"a\":\"tab\there\"}", "control character"},
        {"{\"a\" 1}", "':'"}, {"{\"a\":1 \"b\":2}", "','"}, {"{\"a\":[1 2]}", "','"},
        {"{\"a\":\"open}", "unterminated string"}, {"{\"a\":[1}", "','"}};
    for (String[] c : cases) {
      ProtocolException e = refused(utf8(push(c[0])));
      assertTrue(e.getMessage().startsWith("malformed JSON: "), e.getMessage());
      assertTrue(e.getMessage().contains(c[1]), c[0] + " -> " + e.getMessage());
    }
  }

  @Test
  void invalidUtf8_isRefused() {
    int[][] sequences = {
        {0x80}, {0xBF}, {0xC0, 0x80}, {0xC1, 0xBF}, {0xE0, 0x80, 0x80}, {0xED, 0xA0, 0x80},
        {0xF0, 0x80, 0x80, 0x80}, {0xF4, 0x90, 0x80, 0x80}, {0xF5, 0x80, 0x80, 0x80}, {0xFF},
        {0xE2, 0x82}, {0xC3, 0x28}, {0xE2, 0x28, 0xA1}};
    for (int[] seq : sequences) {
      for (boolean inName : new boolean[] {false, true}) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] head = utf8(push(inName ? "{\"" : "{\"a\":\""));
        out.write(head, 0, head.length - 3);
        for (int v : seq) {
          out.write(v);
        }
        byte[] tail = utf8(inName ? "\":1}}]}" : "\"}}]}");
        out.write(tail, 0, tail.length);
        ProtocolException e = refused(out.toByteArray());
        assertTrue(e.getMessage().contains("UTF-8") || e.getMessage().contains("unterminated"),
            Arrays.toString(seq) + " -> " + e.getMessage());
      }
    }
    // The same bytes are refused in the envelope's own strings.
    refused(new byte[] {'{', '"', 'b', 'a', 't', 'c', 'h', 'I', 'd', '"', ':', '"', (byte) 0xC0,
        (byte) 0x80, '"', '}'});
  }

  @Test
  void pullPages_takeUtf8OfTheRightForm_soThatAStoredRecordCannotStopPulls() {
    // An overlong '/', which a push refuses, in a record some other server may have stored.
    byte[] page = concat(utf8("{\"changes\":[{\"type\":\"message\",\"id\":\"m-1\","
        + "\"op\":\"upsert\",\"hlc\":\"" + H + "\",\"seq\":1,\"data\":{\"a\":\""),
        new byte[] {(byte) 0xC0, (byte) 0xAF}, utf8("\"}}],\"cursor\":\"c-1\"}"));
    assertEquals("{\"a\":\"\ufffd\ufffd\"}",
        BodyReader.readPullResponse(page).changes().get(0).data());
    // A byte that cannot start a sequence, or a missing continuation, is still malformed.
    for (byte[] bad : new byte[][] {{(byte) 0x80}, {(byte) 0xF8, (byte) 0x80, (byte) 0x80,
        (byte) 0x80, (byte) 0x80}, {(byte) 0xE2, (byte) 0x28, (byte) 0xA1}}) {
      byte[] body = concat(utf8("{\"cursor\":\""), bad, utf8("\"}"));
      ProtocolException e = assertThrows(ProtocolException.class,
          () -> BodyReader.readPullResponse(body));
      assertTrue(e.getMessage().contains("UTF-8"), e.getMessage());
    }
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.write(p, 0, p.length);
    }
    return out.toByteArray();
  }

  @Test
  void theEnvelope_keepsItsRules() {
    assertEquals("body must be a JSON object", refused(utf8("[]")).getMessage());
    assertEquals("changes must be a JSON array",
        refused(utf8("{\"batchId\":\"b\",\"changes\":null}")).getMessage());
    assertEquals("each change must be a JSON object",
        refused(utf8("{\"batchId\":\"b\",\"changes\":[\"x\"]}")).getMessage());
    assertTrue(refused(utf8("nonsense")).getMessage().startsWith("malformed JSON: "));
    byte[] whole = utf8(push("{\"a\":[1]}"));
    assertTrue(refused(Arrays.copyOf(whole, whole.length - 4)).getMessage()
        .startsWith("malformed JSON: unexpected end of input"));
    assertTrue(refused(utf8("  ")).getMessage().startsWith("malformed JSON: "));
    // A byte order mark is skipped, as Jackson does.
    byte[] body = utf8("\ufeff{\"batchId\":\"b\",\"changes\":[]}");
    assertEquals("b", BodyReader.readPushRequest(body).batchId());
    // Wrongly typed fields of a change are kept empty for validation to refuse one by one.
    Change c = BodyReader.readPushRequest(utf8("{\"batchId\":\"b\",\"changes\":[{\"type\":1,"
        + "\"id\":{\"x\":[]},\"op\":null,\"hlc\":true,\"data\":[1],\"seq\":1.5,\"ifBase\":1,"
        + "\"other\":{\"y\":\"z\"}}]}")).changes().get(0);
    assertNull(c.type());
    assertNull(c.id());
    assertNull(c.op());
    assertNull(c.hlc());
    assertEquals("", c.data());
    assertEquals(0, c.seq());
    assertEquals(false, c.ifBase());
  }

  @Test
  void pullPage_readsItsFields() {
    PullResponse r = BodyReader.readPullResponse(utf8("{\"changes\":[{\"type\":\"message\","
        + "\"id\":\"m-1\",\"op\":\"delete\",\"hlc\":\"" + H + "\",\"seq\":7,\"deviceId\":\"a\"}],"
        + "\"cursor\":\"c-7\",\"hasMore\":true,\"serverTimestamp\":1700000000000,\"new\":[{}]}"));
    assertEquals(1, r.changes().size());
    assertEquals(7, r.changes().get(0).seq());
    assertEquals("a", r.changes().get(0).deviceId());
    assertNull(r.changes().get(0).data());
    assertEquals("c-7", r.cursor());
    assertTrue(r.hasMore());
    assertEquals(1_700_000_000_000L, r.serverTimestamp());
    assertNull(BodyReader.readPullResponse(utf8("{\"cursor\":null}")).cursor());
    assertEquals("12", BodyReader.readPullResponse(utf8("{\"cursor\":12}")).cursor());
  }

  /**
   * Mutated bodies, fixed seed: whenever the reader accepts one, Jackson reads the same body to
   * the same changes, and every data text is a JSON object Jackson reads. Both outcomes must
   * occur often, or the mutations test nothing.
   */
  @Test
  void mutatedBodies_acceptedOnlyWhenJacksonReadsTheSame() throws IOException {
    byte[] base = utf8("{\"batchId\":\"b-1\",\"deviceId\":\"a\",\"changes\":[{\"type\":\"message\","
        + "\"id\":\"m-1\",\"op\":\"upsert\",\"hlc\":\"" + H + "\",\"baseHlc\":null,\"data\":"
        + "{\"s\":\"caf\u00e9 \u2713 \\u00e9\\n\\\"\",\"n\":[-1.5e3,0,12],\"o\":{\"t\":true,"
        + "\"f\":false,\"z\":null},\"e\":{},\"a\":[]}},{\"type\":\"message\",\"id\":\"m-2\","
        + "\"op\":\"delete\",\"hlc\":\"" + H + "\",\"seq\":3,\"ifBase\":true,\"x\":[1,{\"y\":2}]}]}");
    int[] interesting = {'{', '}', '[', ']', '"', '\\', ',', ':', '0', '1', '-', '.', 'e', 't',
        'n', 'u', ' ', '\t', 0x00, 0x1F, 0x7F, 0x80, 0xBF, 0xC0, 0xC3, 0xE2, 0xED, 0xF0, 0xF5,
        0xFF, '/', 'x'};
    Random random = new Random(12);
    int accepted = 0;
    int refused = 0;
    for (int round = 0; round < 20_000; round++) {
      byte[] body = base.clone();
      int edits = 1 + random.nextInt(3);
      for (int k = 0; k < edits; k++) {
        body = mutate(body, random, interesting);
      }
      PushRequest mine;
      try {
        mine = BodyReader.readPushRequest(body);
      } catch (ProtocolException e) {
        refused++;
        continue;
      }
      accepted++;
      JsonNode tree;
      try {
        tree = JACKSON.readTree(body);
      } catch (IOException e) {
        fail("accepted what Jackson refuses: " + new String(body, StandardCharsets.ISO_8859_1), e);
        return;
      }
      assertSame(tree, mine, body);
    }
    assertTrue(accepted > 1000, "accepted " + accepted);
    assertTrue(refused > 1000, "refused " + refused);
  }

  private static byte[] mutate(byte[] body, Random random, int[] interesting) {
    int at = random.nextInt(body.length);
    byte pick = (byte) interesting[random.nextInt(interesting.length)];
    switch (random.nextInt(4)) {
      case 0:
        body[at] = pick;
        return body;
      case 1: {
        byte[] out = new byte[body.length - 1];
        System.arraycopy(body, 0, out, 0, at);
        System.arraycopy(body, at + 1, out, at, body.length - at - 1);
        return out;
      }
      case 2: {
        byte[] out = new byte[body.length + 1];
        System.arraycopy(body, 0, out, 0, at);
        out[at] = pick;
        System.arraycopy(body, at, out, at + 1, body.length - at);
        return out;
      }
      default: {
        int len = Math.min(1 + random.nextInt(8), body.length - at);
        byte[] out = new byte[body.length + len];
        System.arraycopy(body, 0, out, 0, at + len);
        System.arraycopy(body, at, out, at + len, body.length - at);
        return out;
      }
    }
  }

  private static void assertSame(JsonNode tree, PushRequest mine, byte[] body) throws IOException {
    String what = new String(body, StandardCharsets.ISO_8859_1);
    assertEquals(tree.get("batchId").textValue(), mine.batchId(), what);
    JsonNode device = tree.get("deviceId");
    assertEquals(device == null ? null : device.textValue(), mine.deviceId(), what);
    JsonNode changes = tree.get("changes");
    List<Change> list = mine.changes();
    assertEquals(changes.size(), list.size(), what);
    for (int i = 0; i < list.size(); i++) {
      JsonNode n = changes.get(i);
      Change c = list.get(i);
      assertEquals(text(n, "type"), c.type(), what);
      assertEquals(text(n, "id"), c.id(), what);
      assertEquals(text(n, "op"), c.op(), what);
      assertEquals(text(n, "hlc"), c.hlc(), what);
      assertEquals(text(n, "baseHlc"), c.baseHlc(), what);
      JsonNode seq = n.get("seq");
      assertEquals(seq != null && seq.isIntegralNumber() ? seq.longValue() : 0, c.seq(), what);
      JsonNode ifBase = n.get("ifBase");
      assertEquals(ifBase != null && ifBase.booleanValue(), c.ifBase(), what);
      JsonNode data = n.get("data");
      if (data == null || data.isNull()) {
        assertNull(c.data(), what);
      } else if (data.isObject()) {
        assertEquals(data, JACKSON.readTree(c.data()), what);
      } else {
        assertEquals("", c.data(), what);
      }
    }
  }

  private static String text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    return v != null && v.isTextual() ? v.textValue() : null;
  }
}
