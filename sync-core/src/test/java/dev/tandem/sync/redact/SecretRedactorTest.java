package dev.tandem.sync.redact;

import static dev.tandem.sync.redact.SecretRulesTest.rnd;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.sync.internal.Json;
import dev.tandem.sync.spi.Redactor;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SecretRedactorTest {
  private static final String ALNUM =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  private final SecretRedactor redactor = Redactors.defaults();

  private String inMessage(String text) {
    return Json.write(Json.object().put("conversationId", "c-1").put("role", "user")
        .put("content", text).put("tokensIn", 1234).put("tokensOut", 56));
  }

  private String content(String json) {
    return Json.parseObject(json).get("content").asText();
  }

  /** The fifteen formats of issue 9, nine of which the old redactor let through. */
  @Test
  void issueNine_craftedFormats_allMasked() {
    String jwt = Base64.getUrlEncoder().withoutPadding().encodeToString(
        "{\"alg\":\"RS256\",\"kid\":\"k1\"}".getBytes(StandardCharsets.UTF_8)) + "."
        + Base64.getUrlEncoder().withoutPadding().encodeToString(
            "{\"sub\":\"dev\",\"exp\":1900000000}".getBytes(StandardCharsets.UTF_8))
        + "." + rnd(ALNUM + "_-", 86);
    Map<String, String> secretByText = new LinkedHashMap<>();
    secretByText.put("token " + jwt + " expires soon", jwt);
    String pgPass = rnd(ALNUM, 14);
    secretByText.put("psql postgres://admin:" + pgPass + "@10.0.0.5:5432/prod", pgPass);
    String fine = "github_pat_" + rnd(ALNUM, 22) + "_" + rnd(ALNUM, 59);
    secretByText.put("GH_TOKEN=" + fine, fine);
    String google = "AIza" + rnd(ALNUM + "_-", 35);
    secretByText.put("maps key " + google, google);
    String stripe = "sk_live_" + rnd(ALNUM, 24);
    secretByText.put("Stripe.apiKey = \"" + stripe + "\";", stripe);
    String awsSecret = rnd(ALNUM + "+/", 40);
    secretByText.put("[default]\naws_secret_access_key = " + awsSecret + "\n", awsSecret);
    secretByText.put("password = \"Sup3r$ecret!\"", "Sup3r$ecret!");
    secretByText.put("SECRET_KEY = 'django-insecure-4k#v9$2m@x!b7q'",
        "django-insecure-4k#v9$2m@x!b7q");
    secretByText.put("{\"user\": \"ops\", \"password\": \"n0t-4-guess\"}", "n0t-4-guess");
    String hook = "T0" + rnd(ALNUM, 7).toUpperCase() + "/B0" + rnd(ALNUM, 7).toUpperCase() + "/"
        + rnd(ALNUM, 24);
    secretByText.put("curl https://hooks.slack.com/services/" + hook, hook);
    String bearer = rnd(ALNUM, 48);
    secretByText.put("Authorization: Bearer " + bearer, bearer);
    String openai = "sk-" + rnd(ALNUM, 48);
    secretByText.put("OPENAI_API_KEY=" + openai, openai);
    String anthropic = "sk-ant-api03-" + rnd(ALNUM + "_-", 95);
    secretByText.put("key " + anthropic, anthropic);
    String akia = "AKIA" + rnd("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16);
    secretByText.put("aws_access_key_id=" + akia, akia);
    String ghp = "ghp_" + rnd(ALNUM, 36);
    secretByText.put("token: " + ghp, ghp);
    String slack = "xoxb-2048-" + rnd("0123456789", 12) + "-" + rnd(ALNUM, 24);
    secretByText.put("SLACK=" + slack, slack);
    String pemBody = rnd(ALNUM + "+/", 64) + "\n" + rnd(ALNUM + "+/", 40) + "\n";
    secretByText.put("-----BEGIN EC PRIVATE KEY-----\n" + pemBody
        + "-----END EC PRIVATE KEY-----", pemBody);
    assertTrue(secretByText.size() >= 15);
    for (Map.Entry<String, String> e : secretByText.entrySet()) {
      String out = redactor.redact("message", "m", inMessage(e.getKey()));
      assertFalse(out.contains(e.getValue()), out);
      assertEquals(e.getKey().replace(e.getValue(), Redactors.MASK), content(out));
    }
  }

  /** What issue 9 saw rewritten: code that names a key, not a key. */
  @Test
  void codeAndPlaceholders_thatNameKeys_areLeftAlone() {
    String[] texts = {
        "def __init__(self, api_key: str = None):",
        "api_key=os.getenv(\"OPENAI_API_KEY\")",
        "api_key = os.environ[\"API_KEY\"]",
        "token: ${{ secrets.GITHUB_TOKEN }}",
        "env:\n  NPM_TOKEN: ${{ secrets.NPM_TOKEN }}",
        "const apiKey = process.env.API_KEY;",
        "OPENAI_API_KEY=your-api-key-here",
        "API_KEY=xxxxxxxxxxxxxxxx",
        "Authorization: Bearer <TOKEN>",
        "curl -H \"Authorization: Bearer $TOKEN\"",
        "JWT_SECRET=local-dev-secret-change-in-production",
        "password: PASSWORD",
        "self.token = token",
        "if password == confirm_password:",
        "access_token = response.json()[\"access_token\"]",
        "secret_key = settings.SECRET_KEY",
        "The model used 1200 tokens; tokensIn=1200 tokensOut=300",
        "sk-learn is not a key; neither is task-skip-list",
        "postgres://user:password@localhost:5432/db",
        "mongodb+srv://<user>:<password>@cluster0.mongodb.net",
        "password_hash = bcrypt.hash(password)"};
    for (String t : texts) {
      assertEquals(new ArrayList<>(), redactor.findings(t), t);
      String json = inMessage(t);
      assertSame(json, redactor.redact("message", "m", json), t);
    }
  }

  @Test
  void escapedValues_thatOnlyQuoteKeywords_areReturnedUnchanged_andKeysInThemStillMasked() {
    // Tool output as agent history stores it: escaped newlines and quotes around "tokensIn".
    String quoted = "{\"content\":\"{\\\"request\\\":\\\"run the task\\\",\\n"
        + "\\\"tokensIn\\\":18342,\\\"tokensOut\\\":512,\\\"cost\\\":0.02}\\n"
        + "the token count is fine\"}";
    assertSame(quoted, redactor.redact("ui_message", "u", quoted));
    String key = "ghp_" + rnd(ALNUM, 36);
    String withKey = quoted.replace("the token count", "token=" + key + " count");
    String out = redactor.redact("ui_message", "u", withKey);
    assertEquals(quoted.replace("the token count", "token=[REDACTED] count"), out);
  }

  @Test
  void fieldNames_neverTriggerThePreFilter_andNothingIsRewritten() {
    String json = "{\"tokensIn\":12,\"tokensOut\":3,\"secretive\":false,\"token_type\":\"bearer\","
        + "\"passwordPolicy\":{\"min\":8},\"content\":\"hello\"}";
    assertSame(json, redactor.redact("message", "m", json));
  }

  @Test
  void literalUnderSecretNamedField_isMaskedWhole_placeholdersAndProseAreNot() {
    String key = rnd(ALNUM, 32);
    String json = "{\"apiKey\":\"" + key + "\",\"db_password\":\"hunter2!x\","
        + "\"password_hint\":\"your dog\",\"token\":\"<TOKEN>\","
        + "\"clientSecret\":\"set it in the console\"}";
    String out = redactor.redact("settings", "s", json);
    assertEquals("{\"apiKey\":\"[REDACTED]\",\"db_password\":\"[REDACTED]\","
        + "\"password_hint\":\"your dog\",\"token\":\"<TOKEN>\","
        + "\"clientSecret\":\"set it in the console\"}", out);
    SecretRedactor off = Redactors.builder().checkFieldNames(false).build();
    assertSame(json, off.redact("settings", "s", json));
  }

  @Test
  void onlyTheMaskedValueChanges_layoutNumbersAndEscapesElsewhereSurvive() {
    String key = "ghp_" + rnd(ALNUM, 36);
    String json = "{ \"n\" : 1.50e3,\n  \"a\": [\"caf\\u00e9\", \"x\\/y\"],\n"
        + "  \"content\": \"line1\\nuse " + key + " \\\"quoted\\\"\" }";
    String out = redactor.redact("message", "m", json);
    assertEquals("{ \"n\" : 1.50e3,\n  \"a\": [\"caf\\u00e9\", \"x\\/y\"],\n"
        + "  \"content\": \"line1\\nuse [REDACTED] \\\"quoted\\\"\" }", out);
  }

  @Test
  void secretEscapedInsideJson_isStillFound() {
    // A writer may escape any character; the rules see the decoded value.
    String key = "ghp_" + rnd(ALNUM, 36);
    String escaped = "\\u0067" + key.substring(1);
    String out = redactor.redact("message", "m", "{\"content\":\"k=" + escaped + "\"}");
    assertEquals("{\"content\":\"k=[REDACTED]\"}", out);
  }

  @Test
  void escapesAroundOrInsideASecret_neverHideIt() {
    String key = "ghp_" + rnd(ALNUM, 36);
    // The n of an escaped newline is not a letter before the token.
    assertEquals("{\"c\":\"a\\n[REDACTED]\"}",
        redactor.redact("m", "i", "{\"c\":\"a\\n" + key + "\"}"));
    String hook = "T0ABCDEFGH/B0ABCDEFGH/" + rnd(ALNUM, 24);
    String slashes = "https:\\/\\/hooks.slack.com\\/services\\/" + hook.replace("/", "\\/");
    String out = redactor.redact("m", "i", "{\"c\":\"" + slashes + "\"}");
    assertEquals("https://hooks.slack.com/services/" + Redactors.MASK, content("{\"content\":"
        + out.substring(5)));
    // Field names escaped the same way are still recognised.
    assertEquals("{\"pass\\u0077ord\":\"[REDACTED]\"}",
        redactor.redact("m", "i", "{\"pass\\u0077ord\":\"hunter2!x\"}"));
  }

  @Test
  void textOutsideStrings_orBrokenEscapes_takeTheFullPath() {
    String key = "ghp_" + rnd(ALNUM, 36);
    assertFalse(redactor.redact("t", "i", "{\"a\":1} " + key).contains(key));
    // Made only of letters that also spell true/false/null and exponents: still not JSON.
    String hexKey = "0aef0aef0aef0aef0aef0aef0aef0aef-us12";
    String mailchimp = "{\"a\":1e5, \"b\":[true,false,null]} " + hexKey;
    assertFalse(Redactors.builder().add(SecretRule.builder("hexy").keywords("-us")
        .pattern("[0-9a-f]{28,}-us[0-9]+").build()).build().redact("t", "i", mailchimp)
        .contains(hexKey));
    assertFalse(redactor.redact("t", "i", "{\"a\":\"\\q " + key + "\"}").contains(key));
    assertFalse(redactor.redact("t", "i", "{\"a\":\"" + key).contains(key));
    assertFalse(redactor.redact("t", "i", "[\"\\u12\", \"" + key + "\"]").contains(key));
  }

  @Test
  void notJson_isRedactedAsText_andNullOrEmptyPassThrough() {
    String key = "ghp_" + rnd(ALNUM, 36);
    assertEquals("plain " + Redactors.MASK + " {", redactor.redact("t", "i", "plain " + key
        + " {"));
    assertEquals(null, redactor.redact("t", "i", null));
    assertEquals("", redactor.redact("t", "i", ""));
  }

  @Test
  void secretsInFieldNames_areNotMasked_byDesign() {
    // Record data keeps secrets in values; a key-shaped field name is left as it is, so the
    // document's structure never changes.
    String key = "ghp_" + rnd(ALNUM, 36);
    String json = "{\"" + key + "\":1}";
    assertSame(json, redactor.redact("t", "i", json));
  }

  @Test
  void builder_addsRemovesAndReplacesRules() {
    SecretRule acme = SecretRule.builder("acme-key").description("ACME key")
        .prefixes("acme_").pattern("acme_[a-z0-9]{16}").build();
    String acmeText = "k acme_0123456789abcdef";
    assertSame(acmeText, redactor.redactText(acmeText));
    Redactor withAcme = Redactors.builder().add(acme).build();
    assertEquals("{\"c\":\"k [REDACTED]\"}", withAcme.redact("t", "i", "{\"c\":\"" + acmeText
        + "\"}"));

    String gh = "ghp_" + rnd(ALNUM, 36);
    SecretRedactor noGithub = Redactors.builder().remove("github-token").build();
    assertSame(gh, noGithub.redactText(gh));
    assertFalse(noGithub.rules().stream().anyMatch(r -> r.id().equals("github-token")));

    SecretRule stricter = SecretRule.builder("github-token").prefixes("ghp_")
        .pattern("ghp_[A-Za-z0-9]{40}").build();
    RedactorBuilder b = Redactors.builder().replace(stricter);
    assertEquals(Redactors.builder().ids(), b.ids(), "replace keeps the order");
    assertSame(gh, b.build().redactText(gh), "36 characters no longer match");

    assertThrows(IllegalArgumentException.class, () -> Redactors.builder().remove("no-such"));
    assertThrows(IllegalArgumentException.class, () -> Redactors.builder().replace(acme));
    assertThrows(IllegalArgumentException.class,
        () -> Redactors.builder().add(stricter), "duplicate id");
  }

  @Test
  void addFirst_winsOverlappingMatches() {
    SecretRule vendor = SecretRule.builder("vendor-pat").prefixes("ghp_")
        .pattern("ghp_[A-Za-z0-9]{36}").build();
    String gh = "ghp_" + rnd(ALNUM, 36);
    SecretRedactor r = Redactors.builder().remove("github-token").addFirst(vendor).build();
    assertEquals("vendor-pat", r.findings("x " + gh).get(0).ruleId());
  }

  @Test
  void emptyBuilder_changesNothing_andRuleBuilderRejectsBadInput() {
    String gh = "{\"k\":\"ghp_" + rnd(ALNUM, 36) + "\"}";
    assertSame(gh, Redactors.emptyBuilder().checkFieldNames(false).build()
        .redact("t", "i", gh));
    assertThrows(IllegalArgumentException.class, () -> SecretRule.builder("Bad Id"));
    assertThrows(IllegalStateException.class,
        () -> SecretRule.builder("no-keyword").pattern("x").build());
    assertThrows(IllegalStateException.class,
        () -> SecretRule.builder("no-pattern").keywords("x").build());
    assertThrows(IllegalStateException.class,
        () -> SecretRule.builder("no-group").keywords("x").pattern("x").secretGroup(1).build());
    assertThrows(IllegalArgumentException.class,
        () -> SecretRule.builder("non-ascii").keywords("cl\u00e9"));
  }

  @Test
  void entropyThreshold_rejectsLowEntropyMatches() {
    SecretRule rule = SecretRule.builder("demo").keywords("demo_").pattern("demo_[a-z]{12}")
        .minEntropy(3.0).build();
    SecretRedactor r = Redactors.emptyBuilder().add(rule).build();
    assertEquals(1, r.findings("demo_qwhzkmtrpvxb").size());
    assertEquals(0, r.findings("demo_abababababab").size());
  }

  @Test
  void manySecretsInOneValue_allMasked() {
    List<String> keys = new ArrayList<>();
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < 50; i++) {
      String k = "ghp_" + rnd(ALNUM, 36);
      keys.add(k);
      text.append("k").append(i).append(' ').append(k).append('\n');
    }
    String out = redactor.redactText(text.toString());
    for (String k : keys) {
      assertFalse(out.contains(k));
    }
    assertEquals(50, out.split("\\[REDACTED\\]", -1).length - 1);
  }
}
