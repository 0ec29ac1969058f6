package dev.tandem.sync.redact;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.sync.internal.Json;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/**
 * One row per built-in rule: a text holding a secret of that format (which that rule, and no
 * other, must find and mask) and a look-alike that must stay untouched. The secrets are made up
 * here from a seeded generator in each vendor's documented shape, so no real key is committed.
 */
class SecretRulesTest {
  private static final SecretRedactor REDACTOR = Redactors.defaults();
  private static final Random RND = new Random(20261201L);
  private static final String UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  private static final String LOWER = "abcdefghijklmnopqrstuvwxyz";
  private static final String DIGITS = "0123456789";
  private static final String ALNUM = UPPER + LOWER + DIGITS;
  private static final String URLSAFE = ALNUM + "_-";
  private static final String B64 = ALNUM + "+/";
  private static final String HEX = "0123456789abcdef";

  /** A row: the rule, a text with a secret, the secret itself, and a harmless look-alike. */
  static final class Row {
    final String rule;
    final String positive;
    final String secret;
    final String negative;

    Row(String rule, String before, String secret, String after, String negative) {
      this.rule = rule;
      this.positive = before + secret + after;
      this.secret = secret;
      this.negative = negative;
    }

    @Override
    public String toString() {
      return rule;
    }
  }

  /** Random text of {@code n} characters, each class of {@code alphabet} represented. */
  static String rnd(String alphabet, int n) {
    for (int attempt = 0; attempt < 100; attempt++) {
      StringBuilder sb = new StringBuilder(n);
      for (int i = 0; i < n; i++) {
        sb.append(alphabet.charAt(RND.nextInt(alphabet.length())));
      }
      String s = sb.toString();
      boolean wantsMixed = alphabet.contains("A") && alphabet.contains("a")
          && alphabet.contains("0") && n >= 16;
      if (!wantsMixed || Values.mixedAlnum(s)) {
        return s;
      }
    }
    throw new AssertionError("generator failed");
  }

  static String x(int n) {
    return new String(new char[n]).replace('\0', 'X');
  }

  static String b64url(String s) {
    return Base64.getUrlEncoder().withoutPadding()
        .encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  static List<Row> rows() {
    RND.setSeed(20261201L);
    List<Row> r = new ArrayList<>();
    r.add(new Row("aws-access-key-id", "aws_access_key_id = ",
        "AKIA" + rnd(UPPER + "234567", 16), "\n", "aws_access_key_id = AKIA" + x(16)));
    r.add(new Row("aws-secret-access-key", "aws_secret_access_key = ", rnd(B64, 40), "\n",
        "aws_secret_access_key = os.environ['AWS_SECRET_ACCESS_KEY']"));
    r.add(new Row("gcp-api-key", "const url = `...?key=", "AIza" + rnd(URLSAFE, 35), "`;",
        "GOOGLE_API_KEY=AIza" + x(35)));
    r.add(new Row("gcp-service-account-key-id", "{\"type\": \"service_account\", "
        + "\"private_key_id\": \"", rnd(HEX, 40), "\"}", "\"private_key_id\": \"<KEY_ID>\""));
    r.add(new Row("gcp-oauth-access-token", "curl -H 'x: ", "ya29." + rnd(URLSAFE, 80), "'",
        "token starts with ya29.XXXX"));
    r.add(new Row("gcp-oauth-refresh-token", "refresh: ", "1//0" + rnd(URLSAFE, 60), "",
        "path 1//0abc is odd"));
    r.add(new Row("google-oauth-client-secret", "client_secret: ", "GOCSPX-"
        + rnd(URLSAFE, 28), "", "client_secret: GOCSPX-" + x(28)));
    r.add(new Row("azure-storage-account-key",
        "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=", rnd(B64, 86) + "==",
        ";EndpointSuffix=core.windows.net", "AccountKey=<your-account-key>"));
    r.add(new Row("azure-shared-access-key",
        "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=Root;SharedAccessKey=",
        rnd(B64, 43) + "=", "", "SharedAccessKey={key}"));
    r.add(new Row("azure-sas-signature",
        "https://acct.blob.core.windows.net/c/b?sv=2022-11-02&sp=r&sig=",
        rnd(B64, 43) + "%3D", "", "https://acct.blob.core.windows.net/c/b?sp=r&sig=<signature>"));
    r.add(new Row("azure-ad-client-secret", "client secret is ",
        rnd(ALNUM, 3) + "8Q~" + rnd(ALNUM + "_~.-", 34), " (expires 2027)",
        "use the Q~ notation"));
    r.add(new Row("github-token", "git clone https://", "ghp_" + rnd(ALNUM, 36),
        "@github.com/o/r", "GITHUB_TOKEN=ghp_" + x(36)));
    r.add(new Row("github-fine-grained-pat", "export GH_TOKEN=",
        "github_pat_" + rnd(ALNUM, 22) + "_" + rnd(ALNUM, 59), "",
        "tokens look like github_pat_<id>_<secret>"));
    r.add(new Row("gitlab-pat", "PRIVATE-TOKEN: ", "glpat-" + rnd(URLSAFE, 20), "",
        "PRIVATE-TOKEN: glpat-xxxxxxxxxxxxxxxxxxxx"));
    r.add(new Row("gitlab-token", "gitlab-runner register --token ", "glrt-"
        + rnd(URLSAFE, 24), "", "gitlab-runner register --token glrt-<runner token>"));
    r.add(new Row("bitbucket-app-password", "BITBUCKET_APP_PASSWORD=", "ATBB"
        + rnd(ALNUM, 32), "", "BITBUCKET_APP_PASSWORD=ATBB" + x(32)));
    r.add(new Row("atlassian-api-token", "jira token ", "ATATT3" + rnd(URLSAFE, 180), "",
        "jira tokens start with ATATT3xFfGF0"));
    r.add(new Row("npm-token", "//registry.npmjs.org/:_authToken=", "npm_" + rnd(ALNUM, 36),
        "", "npm_config_registry=https://registry.npmjs.org/"));
    r.add(new Row("pypi-token", "password = ", "pypi-AgEIcHlwaS5vcmc" + rnd(URLSAFE, 70), "",
        "password = pypi-AgEIcHlwaS5vcmc..."));
    r.add(new Row("dockerhub-token", "docker login -u me -p ", "dckr_pat_" + rnd(URLSAFE, 27),
        "", "docker login -u me -p dckr_pat_" + x(27)));
    r.add(new Row("stripe-secret-key", "Stripe::api_key = '", "sk_live_" + rnd(ALNUM, 24), "'",
        "Stripe::api_key = 'sk_live_xxxxxxxxxxxxxxxxxxxxxxxx'"));
    r.add(new Row("stripe-webhook-secret", "endpoint secret ", "whsec_" + rnd(ALNUM, 32), "",
        "endpoint secret whsec_..."));
    r.add(new Row("square-access-token", "Square token ", "EAAA" + rnd(URLSAFE, 60), "",
        "Square token EAAA" + x(60)));
    r.add(new Row("square-oauth-secret", "app secret ", "sq0csp-" + rnd(URLSAFE, 43), "",
        "app secret sq0csp-" + x(43)));
    r.add(new Row("braintree-access-token", "BT_TOKEN=",
        "access_token$production$" + rnd(LOWER + DIGITS, 16) + "$" + rnd(HEX, 32), "",
        "BT_TOKEN=access_token$production$<merchant_id>$<hex>"));
    r.add(new Row("paypal-client-secret", "PAYPAL_CLIENT_SECRET=", rnd(URLSAFE, 80), "",
        "PAYPAL_CLIENT_SECRET=${PAYPAL_CLIENT_SECRET}"));
    r.add(new Row("twilio-api-key-sid", "api key ", "SK" + rnd(HEX, 32), "",
        "ask the SK team about the task"));
    r.add(new Row("twilio-auth-token", "TWILIO_AUTH_TOKEN=", rnd(HEX, 32), "",
        "TWILIO_AUTH_TOKEN=your_auth_token"));
    r.add(new Row("sendgrid-api-key", "SENDGRID_API_KEY=", "SG." + rnd(URLSAFE, 22) + "."
        + rnd(URLSAFE, 43), "", "SENDGRID_API_KEY=SG." + x(22) + "." + x(43)));
    r.add(new Row("mailgun-api-key", "auth=('api', '", "key-" + rnd(HEX, 32), "')",
        "a key-value store"));
    r.add(new Row("mailchimp-api-key", "mailchimp: ", rnd(HEX, 32) + "-us21", "",
        "locale en-us and es-us"));
    r.add(new Row("slack-token", "SLACK_BOT_TOKEN=", "xoxb-" + rnd(DIGITS, 12) + "-"
        + rnd(DIGITS, 13) + "-" + rnd(ALNUM, 24), "", "SLACK_BOT_TOKEN=xoxb-your-token"));
    r.add(new Row("slack-app-token", "SLACK_APP_TOKEN=", "xapp-1-A0" + rnd(UPPER + DIGITS, 9)
        + "-" + rnd(DIGITS, 13) + "-" + rnd(HEX, 64), "", "SLACK_APP_TOKEN=xapp-1-..."));
    r.add(new Row("slack-webhook-url", "curl -X POST https://hooks.slack.com/services/",
        "T" + rnd(UPPER + DIGITS, 8) + "/B" + rnd(UPPER + DIGITS, 8) + "/" + rnd(ALNUM, 24),
        " -d @msg.json", "post to https://hooks.slack.com/services/YOUR/WEBHOOK/URL"));
    r.add(new Row("discord-webhook-url", "WEBHOOK=https://discord.com/api/webhooks/",
        rnd(DIGITS, 18) + "/" + rnd(URLSAFE, 68), "",
        "WEBHOOK=https://discord.com/api/webhooks/{id}/{token}"));
    r.add(new Row("discord-bot-token", "client.login('", "M" + rnd(ALNUM, 25) + "."
        + rnd(URLSAFE, 6) + "." + rnd(URLSAFE, 38), "') // discord bot",
        "discord bot token: <token>"));
    r.add(new Row("telegram-bot-token", "https://api.telegram.org/bot",
        rnd(DIGITS, 10) + ":AA" + rnd(URLSAFE, 33), "/getMe", "bot123456:AAxyz/getMe"));
    r.add(new Row("openrouter-api-key", "OPENROUTER_API_KEY=", "sk-or-v1-" + rnd(HEX, 64), "",
        "OPENROUTER_API_KEY=sk-or-v1-..."));
    r.add(new Row("anthropic-api-key", "ANTHROPIC_API_KEY=", "sk-ant-api03-"
        + rnd(URLSAFE, 93) + "AA", "", "ANTHROPIC_API_KEY=sk-ant-api03-" + x(93)));
    r.add(new Row("openai-api-key", "client = OpenAI(api_key=\"", "sk-proj-" + rnd(URLSAFE, 100),
        "\")", "from sk-learn-compatible-transformer-pipeline import x"));
    r.add(new Row("huggingface-token", "login(token=\"", "hf_" + rnd(UPPER + LOWER, 34), "\")",
        "from huggingface_hub import hf_hub_download"));
    r.add(new Row("groq-api-key", "GROQ_API_KEY=", "gsk_" + rnd(ALNUM, 52), "",
        "GROQ_API_KEY=gsk_" + x(52)));
    r.add(new Row("xai-api-key", "XAI_API_KEY=", "xai-" + rnd(ALNUM, 80), "",
        "model: xai-grok-beta"));
    r.add(new Row("replicate-api-token", "REPLICATE_API_TOKEN=", "r8_" + rnd(ALNUM, 37), "",
        "REPLICATE_API_TOKEN=r8_" + x(37)));
    r.add(new Row("perplexity-api-key", "PPLX=", "pplx-" + rnd(ALNUM, 48), "",
        "the pplx-api endpoint"));
    r.add(new Row("apify-api-token", "APIFY_TOKEN=", "apify_api_" + rnd(ALNUM, 36), "",
        "APIFY_TOKEN=apify_api_" + x(36)));
    r.add(new Row("shopify-token", "X-Shopify-Access-Token: ", "shpat_" + rnd(HEX, 32), "",
        "X-Shopify-Access-Token: shpat_<token>"));
    r.add(new Row("heroku-api-key", "HEROKU_API_KEY=", "HRKU-AA" + rnd(URLSAFE, 58), "",
        "HEROKU_API_KEY=HRKU-..."));
    r.add(new Row("heroku-api-key-legacy", "HEROKU_API_KEY=", rnd(HEX, 8) + "-" + rnd(HEX, 4)
        + "-" + rnd(HEX, 4) + "-" + rnd(HEX, 4) + "-" + rnd(HEX, 12), "",
        "HEROKU_API_KEY=$(heroku auth:token)"));
    r.add(new Row("digitalocean-token", "DIGITALOCEAN_TOKEN=", "dop_v1_" + rnd(HEX, 64), "",
        "DIGITALOCEAN_TOKEN=dop_v1_..."));
    r.add(new Row("linear-api-key", "LINEAR_API_KEY=", "lin_api_" + rnd(ALNUM, 40), "",
        "read lin_api_key from the vault"));
    r.add(new Row("notion-token", "NOTION_TOKEN=", "ntn_" + rnd(DIGITS, 11) + rnd(ALNUM, 35),
        "", "NOTION_TOKEN=ntn_..."));
    r.add(new Row("sentry-token", "SENTRY_AUTH_TOKEN=", "sntrys_" + rnd(B64, 80), "",
        "SENTRY_AUTH_TOKEN=sntrys_..."));
    r.add(new Row("databricks-token", "DATABRICKS_TOKEN=", "dapi" + rnd(HEX, 32), "",
        "dapi version 2.0"));
    r.add(new Row("postman-api-key", "x-api-key: ", "PMAK-" + rnd(HEX, 24) + "-" + rnd(HEX, 34),
        "", "x-api-key: PMAK-<key>"));
    r.add(new Row("grafana-token", "GRAFANA_TOKEN=", "glsa_" + rnd(ALNUM, 32) + "_"
        + rnd(HEX, 8), "", "GRAFANA_TOKEN=glsa_..."));
    r.add(new Row("newrelic-user-key", "NEW_RELIC_API_KEY=", "NRAK-" + rnd(UPPER + DIGITS, 27),
        "", "NEW_RELIC_API_KEY=NRAK-" + x(27)));
    r.add(new Row("supabase-token", "SUPABASE_ACCESS_TOKEN=", "sbp_" + rnd(HEX, 40), "",
        "SUPABASE_ACCESS_TOKEN=sbp_..."));
    r.add(new Row("age-secret-key", "# key\n", "AGE-SECRET-KEY-1"
        + rnd("QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L", 58), "\n", "AGE-SECRET-KEY-1..."));
    r.add(new Row("jwt", "cookie: session=", b64url("{\"alg\":\"HS256\",\"typ\":\"JWT\"}") + "."
        + b64url("{\"sub\":\"1234567890\",\"iat\":1516239022}") + "." + rnd(URLSAFE, 43), ";",
        "id " + b64url("{\"kind\":\"note\",\"v\":1}") + "." + b64url("{\"a\":\"b\",\"c\":2}")
            + "." + rnd(LOWER, 20)));
    StringBuilder pem = new StringBuilder();
    for (int i = 0; i < 5; i++) {
      pem.append(rnd(B64, 64)).append('\n');
    }
    r.add(new Row("pem-private-key", "key.pem:\n-----BEGIN RSA PRIVATE KEY-----\n",
        pem.toString(), "-----END RSA PRIVATE KEY-----\n",
        "-----BEGIN PRIVATE KEY-----\n" + x(64) + "\n" + x(20) + "\n-----END PRIVATE KEY-----"));
    r.add(new Row("database-url-password", "DATABASE_URL=postgres://app:", rnd(ALNUM, 16),
        "@db.internal:5432/app", "DATABASE_URL=postgres://postgres:postgres@localhost:5432/dev"));
    r.add(new Row("url-credentials", "git remote add origin https://deploy:", rnd(ALNUM, 20),
        "@git.example.org/repo.git", "see https://user:<password>@host/path"));
    r.add(new Row("authorization-bearer", "curl -H \"Authorization: Bearer ", rnd(ALNUM, 40),
        "\" https://api.example.org", "curl -H \"Authorization: Bearer ${TOKEN}\""));
    r.add(new Row("authorization-basic", "Authorization: Basic ",
        Base64.getEncoder().encodeToString(("deploy:" + rnd(ALNUM, 16))
            .getBytes(StandardCharsets.UTF_8)), "\n", "Authorization: Basic <credentials>"));
    r.add(new Row("password-assignment", "db.connect(user='app', password='", "Tr0ub4dor&3x",
        "')", "db.connect(user='app', password=os.getenv('DB_PASSWORD'))"));
    r.add(new Row("secret-assignment", "api_key: \"", rnd(ALNUM, 32), "\"",
        "def connect(api_key: str = None):"));
    return r;
  }

  static Stream<Arguments> table() {
    return rows().stream().map(Arguments::of);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("table")
  void positive_isFoundByItsRule_andMasked(Row row) {
    List<SecretRedactor.Finding> found = REDACTOR.findings(row.positive);
    assertEquals(1, found.size(), found.toString());
    assertEquals(row.rule, found.get(0).ruleId());
    assertEquals(row.secret, row.positive.substring(found.get(0).start(), found.get(0).end()));
    String masked = REDACTOR.redactText(row.positive);
    assertFalse(masked.contains(row.secret), masked);
    assertEquals(row.positive.replace(row.secret, Redactors.MASK), masked);
    assertSame(masked, REDACTOR.redactText(masked), "masking twice changes nothing more");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("table")
  void positive_insideJson_isMaskedAndTheJsonStaysValid(Row row) {
    String json = Json.write(Json.object().put("id", "m-1").put("content", row.positive)
        .put("tokensIn", 12));
    String out = REDACTOR.redact("message", "m-1", json);
    assertFalse(out.contains(row.secret), out);
    assertEquals(row.positive.replace(row.secret, Redactors.MASK),
        Json.parseObject(out).get("content").asText());
    assertEquals(12, Json.parseObject(out).get("tokensIn").asInt());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("table")
  void positive_nestedOrEscaped_isMaskedTheSame(Row row) {
    // The same text once nested in an array and once with every other character written as a
    // unicode escape, which a writer may do and which must not hide the secret.
    StringBuilder escaped = new StringBuilder("\"");
    for (int i = 0; i < row.positive.length(); i++) {
      char c = row.positive.charAt(i);
      escaped.append(i % 2 == 0 ? String.format("\\u%04x", (int) c)
          : Json.write(Json.MAPPER.getNodeFactory().textNode(String.valueOf(c)))
              .replaceAll("^\"|\"$", ""));
    }
    escaped.append('"');
    String doc = "{\"a\":[{\"b\":" + Json.write(Json.MAPPER.getNodeFactory()
        .textNode(row.positive)) + "}],\"c\":" + escaped + "}";
    String expected = row.positive.replace(row.secret, Redactors.MASK);
    com.fasterxml.jackson.databind.JsonNode out = Json.parse(REDACTOR.redact("t", "i", doc));
    assertEquals(expected, out.get("a").get(0).get("b").asText());
    assertEquals(expected, out.get("c").asText());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("table")
  void negative_isLeftAlone(Row row) {
    assertEquals(new ArrayList<>(), REDACTOR.findings(row.negative));
    assertSame(row.negative, REDACTOR.redactText(row.negative));
  }

  @Test
  void table_coversEveryBuiltInRule_andAtLeastForty() {
    TreeSet<String> builtIn = new TreeSet<>();
    Redactors.builtInRules().forEach(rule -> builtIn.add(rule.id()));
    TreeSet<String> covered = new TreeSet<>();
    rows().forEach(row -> covered.add(row.rule));
    assertEquals(builtIn, covered);
    assertTrue(builtIn.size() >= 40, "only " + builtIn.size() + " rules");
  }

  @Test
  void ruleIds_areUnique() {
    Map<String, Integer> seen = new LinkedHashMap<>();
    Redactors.builtInRules().forEach(rule -> seen.merge(rule.id(), 1, Integer::sum));
    seen.values().removeIf(n -> n == 1);
    assertEquals(new LinkedHashMap<>(), seen);
  }
}
