package dev.tandem.sync.redact;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The built-in rules, written from each vendor's public description of its credential format
 * (the source is named above each rule). Specific formats come first, so that where two rules
 * match the same text the precise one wins; the generic "secret-named key = random value" rules
 * come last.
 */
final class BuiltInRules {
  /** Separator of an assignment: {@code =}, {@code :}, {@code :=}, {@code =>}, not {@code ==}. */
  private static final String SEP = "\\\\?[\"'`]?[ \\t]{0,4}(?::=|=>|=(?!=)|:(?!:))[ \\t]{0,4}"
      + "\\\\?[\"'`]?";
  /** What may follow an unquoted or quoted literal value. */
  private static final String VALUE_END = "(?=\\\\?[\"'`]|\\s|[,;&)}\\]>]|$)";

  /** Words a secret-named key ends with (the keywords match them in any case). */
  private static final String[] SECRET_WORDS = {"secret", "token", "api_key", "api-key",
      "apiKey", "access_key", "access-key", "accessKey", "private_key", "private-key",
      "privateKey", "auth_key", "auth-key", "authKey", "secret_key", "secret-key", "secretKey",
      "signing_key", "signingKey", "encryption_key", "encryptionKey", "credential",
      "credentials"};

  private BuiltInRules() {}

  static List<SecretRule> all() {
    List<SecretRule> r = new ArrayList<>();

    // AWS IAM "Unique identifiers": access key ids start AKIA (long-term) or ASIA (temporary),
    // then 16 upper-case letters and digits.
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html
    r.add(prefix("aws-access-key-id", "AWS access key id",
        "(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}(?![A-Za-z0-9])", "akia", "asia", "abia", "acca"));
    // AWS "Managing access keys": the secret access key is 40 characters of base64 text; it has
    // no prefix, so only in an assignment to a key named like aws_secret_access_key.
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html
    r.add(SecretRule.builder("aws-secret-access-key")
        .description("AWS secret access key assigned to an aws_secret_access_key-like name")
        .prefixes("aws_secret", "aws-secret", "awssecret", "secret_access", "secret-access",
            "secretaccess").wordStart(false)
        .pattern("(?i)(?:aws[_-]?secret(?:[_-]?access)?(?:[_-]?key)?|secret[_-]?access[_-]?key)"
            + SEP + "(?-i)([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])")
        .secretGroup(1).minEntropy(3.5).validator(v -> Values.charClasses(v) >= 3).build());

    // Google Cloud "API keys": keys begin with AIza, 39 characters in all.
    // https://cloud.google.com/docs/authentication/api-keys
    r.add(prefix("gcp-api-key", "Google API key", "AIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])",
        "aiza"));
    // Google "Creating service account keys": the JSON key file has a private_key_id (40 hex)
    // next to the PEM private_key (masked by pem-private-key).
    // https://cloud.google.com/iam/docs/keys-create-delete
    r.add(SecretRule.builder("gcp-service-account-key-id")
        .description("private_key_id of a Google service-account JSON key")
        .prefixes("private_key_id").wordStart(false)
        .pattern("(?<=\")private_key_id\"\\s*:\\s*\"([a-f0-9]{40})\"").secretGroup(1).build());
    // Google OAuth 2.0: access tokens start ya29., refresh tokens 1//.
    // https://developers.google.com/identity/protocols/oauth2
    r.add(prefix("gcp-oauth-access-token", "Google OAuth access token",
        "ya29\\.[0-9A-Za-z_-]{30,}", "ya29."));
    r.add(prefix("gcp-oauth-refresh-token", "Google OAuth refresh token",
        "1//0[0-9A-Za-z_-]{40,}", "1//0"));
    // Google Cloud "Manage OAuth clients": client secrets carry the GOCSPX- prefix.
    // https://support.google.com/cloud/answer/15549257
    r.add(prefix("google-oauth-client-secret", "Google OAuth client secret",
        "GOCSPX-[0-9A-Za-z_-]{28}(?![0-9A-Za-z_-])", "gocspx-"));

    // Azure Storage "Configure a connection string": AccountKey=<88 base64 chars ending ==>.
    // https://learn.microsoft.com/azure/storage/common/storage-configure-connection-string
    r.add(SecretRule.builder("azure-storage-account-key")
        .description("Azure Storage account key in a connection string")
        .prefixes("accountkey").wordStart(false)
        .pattern("(?i)AccountKey\\s*=\\s*(?-i)([A-Za-z0-9+/]{86}==)").secretGroup(1).build());
    // Azure Service Bus / Event Hubs "SAS authentication": SharedAccessKey=<44 base64 chars>.
    // https://learn.microsoft.com/azure/service-bus-messaging/service-bus-sas
    r.add(SecretRule.builder("azure-shared-access-key")
        .description("Azure Service Bus / Event Hubs shared access key")
        .prefixes("sharedaccesskey").wordStart(false)
        .pattern("(?i)SharedAccessKey\\s*=\\s*(?-i)([A-Za-z0-9+/]{43}=)").secretGroup(1).build());
    // Azure Storage "Create a service SAS": the signature is the sig= query parameter.
    // https://learn.microsoft.com/rest/api/storageservices/create-service-sas
    r.add(SecretRule.builder("azure-sas-signature")
        .description("Azure shared access signature (sig= of a SAS URL)")
        .prefixes("sig=").wordStart(false)
        .pattern("(?<=[?&;])sig=([A-Za-z0-9%+/]{40,}(?:%3D|=){0,2})").secretGroup(1)
        .validator(v -> v.contains("%") || Values.charClasses(v) >= 3).build());
    // Microsoft Entra "Add a client secret": generated secrets have Q~ as their 4th-5th chars.
    // https://learn.microsoft.com/entra/identity-platform/quickstart-register-app
    r.add(SecretRule.builder("azure-ad-client-secret")
        .description("Microsoft Entra (Azure AD) application client secret")
        .keywords("q~")
        .pattern("(?<![A-Za-z0-9_~.-])([A-Za-z0-9_~.-]{3}[0-9]Q~[A-Za-z0-9_~.-]{31,34})"
            + "(?![A-Za-z0-9_~.-])")
        .secretGroup(1).minEntropy(3.5).build());

    // GitHub "Behind GitHub's new authentication token formats" (2021): ghp_ (personal), gho_
    // (OAuth), ghu_ (user-to-server), ghs_ (server-to-server), ghr_ (refresh) + 36 base62.
    // https://github.blog/engineering/platform-security/behind-githubs-new-authentication-token-formats/
    r.add(mixedPrefix("github-token", "GitHub classic token",
        "gh[pousr]_[A-Za-z0-9]{36,251}(?![A-Za-z0-9])", "ghp_", "gho_", "ghu_", "ghs_", "ghr_"));
    // GitHub "Managing your personal access tokens": fine-grained tokens start github_pat_.
    // https://docs.github.com/authentication/keeping-your-account-and-data-secure/managing-your-personal-access-tokens
    r.add(prefix("github-fine-grained-pat", "GitHub fine-grained personal access token",
        "github_pat_[A-Za-z0-9_]{60,251}(?![A-Za-z0-9_])", "github_pat_"));
    // GitLab "Token overview", token prefixes: glpat- (personal, project, group access).
    // https://docs.gitlab.com/security/tokens/
    r.add(prefix("gitlab-pat", "GitLab personal/project/group access token",
        "glpat-[A-Za-z0-9_.-]{20,}(?![A-Za-z0-9_-])", "glpat-"));
    r.add(prefix("gitlab-token", "GitLab deploy, runner, trigger, feed or OAuth token",
        "(?:gldt|glrt|glptt|glcbt|glimt|glsoat|glft|gloas|glagent)-[A-Za-z0-9_.-]{20,}"
            + "(?![A-Za-z0-9_-])",
        "gldt-", "glrt-", "glptt-", "glcbt-", "glimt-", "glsoat-", "glft-", "gloas-",
        "glagent-"));
    // Atlassian "Manage API tokens": API tokens start ATATT; Bitbucket app passwords ATBB.
    // https://support.atlassian.com/atlassian-account/docs/manage-api-tokens-for-your-atlassian-account/
    r.add(prefix("bitbucket-app-password", "Bitbucket app password",
        "ATBB[A-Za-z0-9_=.-]{28,}(?![A-Za-z0-9_=.-])", "atbb"));
    r.add(prefix("atlassian-api-token", "Atlassian (Jira, Confluence) API token",
        "ATATT3[A-Za-z0-9_=-]{100,}", "atatt3"));
    // npm "About access tokens": granular and classic tokens start npm_ + 36 base62.
    // https://docs.npmjs.com/about-access-tokens
    r.add(prefix("npm-token", "npm access token", "npm_[A-Za-z0-9]{36}(?![A-Za-z0-9])", "npm_"));
    // PyPI "API tokens": macaroons serialised as pypi- + base64 whose first bytes name pypi.org.
    // https://pypi.org/help/#apitoken
    r.add(prefix("pypi-token", "PyPI API token", "pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}",
        "pypi-ageichlwas5vcmc"));
    // Docker "Personal access tokens": dckr_pat_; organisation access tokens dckr_oat_.
    // https://docs.docker.com/security/for-developers/access-tokens/
    r.add(prefix("dockerhub-token", "Docker Hub access token",
        "dckr_(?:pat|oat)_[A-Za-z0-9_-]{27,}", "dckr_pat_", "dckr_oat_"));

    // Stripe "API keys": secret keys sk_live_, restricted keys rk_live_; webhook signing
    // secrets whsec_.  https://docs.stripe.com/keys  https://docs.stripe.com/webhooks
    r.add(prefix("stripe-secret-key", "Stripe live secret or restricted key",
        "[sr]k_live_[A-Za-z0-9]{20,247}(?![A-Za-z0-9])", "sk_live_", "rk_live_"));
    r.add(SecretRule.builder("stripe-webhook-secret").description("Stripe webhook signing secret")
        .prefixes("whsec_").pattern("whsec_[A-Za-z0-9+/=]{32,}").minEntropy(3.5).build());
    // Square "Access tokens": production access tokens EAAA...; legacy sq0atp- and OAuth
    // application secrets sq0csp-.  https://developer.squareup.com/docs/build-basics/access-tokens
    r.add(mixedPrefix("square-access-token", "Square access token",
        "(?:EAAA[A-Za-z0-9_-]{60}|sq0atp-[A-Za-z0-9_-]{22})(?![A-Za-z0-9_-])", "eaaa", "sq0atp-"));
    r.add(prefix("square-oauth-secret", "Square OAuth application secret",
        "sq0csp-[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])", "sq0csp-"));
    // Braintree (PayPal) "Access tokens": access_token$production$<merchant id>$<32 hex>.
    // https://developer.paypal.com/braintree/articles/control-panel/important-gateway-credentials
    r.add(prefix("braintree-access-token", "Braintree / PayPal access token",
        "access_token\\$production\\$[0-9a-z]{16}\\$[0-9a-f]{32}", "access_token$production$"));
    // PayPal REST "Get client ID and client secret": 80-character secret; no prefix, so only
    // when assigned to a name that mentions paypal and secret.
    // https://developer.paypal.com/api/rest/
    r.add(SecretRule.builder("paypal-client-secret").description("PayPal REST client secret")
        .prefixes("paypal").wordStart(false)
        .pattern("(?i)paypal[A-Za-z0-9_.-]{0,24}?secret" + SEP + "(?-i)([A-Za-z0-9_-]{40,90})"
            + VALUE_END)
        .secretGroup(1).minEntropy(3.5).build());
    // Twilio "API keys": key SIDs are SK + 32 hex; the auth token is 32 hex with no prefix.
    // https://www.twilio.com/docs/iam/api-keys
    r.add(prefix("twilio-api-key-sid", "Twilio API key SID",
        "SK[0-9a-fA-F]{32}(?![0-9A-Za-z])", "sk"));
    r.add(SecretRule.builder("twilio-auth-token").description("Twilio auth token")
        .prefixes("twilio").wordStart(false)
        .pattern("(?i)twilio[A-Za-z0-9_.-]{0,24}?(?:auth)?[_-]?token" + SEP
            + "([a-f0-9]{32})(?![A-Za-z0-9])")
        .secretGroup(1).minEntropy(3.0).build());
    // SendGrid "API keys": SG.<22>.<43>.  https://www.twilio.com/docs/sendgrid/ui/account-and-settings/api-keys
    r.add(prefix("sendgrid-api-key", "SendGrid API key",
        "SG\\.[A-Za-z0-9_-]{22}\\.[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])", "sg."));
    // Mailgun "API keys": private keys key- + 32 hex.
    // https://documentation.mailgun.com/docs/mailgun/user-manual/get-started/
    r.add(prefix("mailgun-api-key", "Mailgun private API key",
        "key-[0-9a-f]{32}(?![0-9A-Za-z])", "key-"));
    // Mailchimp "About API keys": 32 hex, a dash, and the data centre (us1..us21).
    // https://mailchimp.com/help/about-api-keys/
    r.add(SecretRule.builder("mailchimp-api-key").description("Mailchimp API key")
        .keywords("-us")
        .pattern("(?<![0-9A-Za-z])([0-9a-f]{32}-us[0-9]{1,2})(?![0-9A-Za-z])").secretGroup(1)
        .minEntropy(3.0).build());

    // Slack "Token types": xoxb- (bot), xoxp- (user), xoxa-/xoxr- (rotation), xoxe-, xoxs-;
    // app-level tokens xapp-.  https://api.slack.com/concepts/token-types
    r.add(SecretRule.builder("slack-token").description("Slack bot, user or refresh token")
        .prefixes("xoxb-", "xoxp-", "xoxa-", "xoxr-", "xoxs-", "xoxe-", "xoxe.")
        .pattern("xox[abeprs][.-][A-Za-z0-9.-]{10,}[A-Za-z0-9]")
        .validator(Values::hasDigit).build());
    r.add(prefix("slack-app-token", "Slack app-level token",
        "xapp-[0-9]-[A-Z0-9]{9,}-[0-9]{9,}-[a-z0-9]{32,}", "xapp-"));
    // Slack "Sending messages using incoming webhooks": https://hooks.slack.com/services/T…/B…/…
    // https://api.slack.com/messaging/webhooks
    r.add(SecretRule.builder("slack-webhook-url").description("Slack incoming webhook URL")
        .prefixes("hooks.slack.com/").wordStart(false)
        .pattern("hooks\\.slack\\.com/(?:services|workflows|triggers)/([A-Za-z0-9+/_-]{20,})")
        .secretGroup(1).build());
    // Discord "Webhook resource": discord.com/api/webhooks/<id>/<token>.
    // https://discord.com/developers/docs/resources/webhook
    r.add(SecretRule.builder("discord-webhook-url").description("Discord webhook URL")
        .prefixes("discord.com/api/webhooks/", "discordapp.com/api/webhooks/").wordStart(false)
        .pattern("discord(?:app)?\\.com/api/webhooks/([0-9]{17,20}/[A-Za-z0-9_-]{60,68})")
        .secretGroup(1).build());
    // Discord "Authentication": bot tokens are three dot-separated base64url parts, the first
    // the base64 of the bot's numeric id (so it starts M, N or O). No prefix: near "discord".
    // https://discord.com/developers/docs/reference#authentication
    r.add(SecretRule.builder("discord-bot-token").description("Discord bot token")
        .keywords("discord")
        .pattern("(?<![A-Za-z0-9_.-])([MNO][A-Za-z0-9_-]{23,27}\\.[A-Za-z0-9_-]{6}\\."
            + "[A-Za-z0-9_-]{27,40})(?![A-Za-z0-9_.-])")
        .secretGroup(1).validator(v -> Values.charClasses(v) >= 3).build());
    // Telegram Bot API "Authorizing your bot": <bot id>:<35 chars>, the secret part starting AA.
    // https://core.telegram.org/bots/api#authorizing-your-bot
    r.add(SecretRule.builder("telegram-bot-token").description("Telegram bot token")
        .keywords(":aa")
        .pattern("(?<![0-9])([0-9]{8,10}:AA[A-Za-z0-9_-]{33})(?![A-Za-z0-9_-])")
        .secretGroup(1).build());

    // OpenRouter "API keys": sk-or-v1- + 64 hex.  https://openrouter.ai/docs/api-reference/authentication
    r.add(prefix("openrouter-api-key", "OpenRouter API key",
        "sk-or-v1-[a-f0-9]{64}(?![A-Za-z0-9])", "sk-or-v1-"));
    // Anthropic "API keys": sk-ant-api03-… (and sk-ant-admin01-…).
    // https://docs.anthropic.com/en/api/overview#authentication
    r.add(SecretRule.builder("anthropic-api-key").description("Anthropic API key")
        .prefixes("sk-ant-").pattern("sk-ant-[A-Za-z0-9_-]{32,}")
        .minEntropy(3.5).validator(v -> Values.hasDigit(v) && Values.hasLetter(v)).build());
    // OpenAI "API keys": sk- (legacy) and sk-proj- / sk-svcacct- / sk-admin-, random base62.
    // https://platform.openai.com/docs/api-reference/authentication
    r.add(SecretRule.builder("openai-api-key").description("OpenAI API key")
        .prefixes("sk-").pattern("sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}")
        .minEntropy(3.5).validator(Values::mixedAlnum).build());
    // Hugging Face "User access tokens": hf_ + 34 letters.
    // https://huggingface.co/docs/hub/security-tokens
    r.add(SecretRule.builder("huggingface-token").description("Hugging Face access token")
        .prefixes("hf_").pattern("hf_[A-Za-z0-9]{34,40}(?![A-Za-z0-9])").minEntropy(3.5)
        .validator(v -> Values.charClasses(v) >= 2).build());
    // Groq "API keys": gsk_ + 52 base62.  https://console.groq.com/docs/api-keys
    r.add(SecretRule.builder("groq-api-key").description("Groq API key")
        .prefixes("gsk_").pattern("gsk_[A-Za-z0-9]{48,56}(?![A-Za-z0-9])")
        .validator(Values::mixedAlnum).build());
    // xAI "API keys": xai- + 80 base62.  https://docs.x.ai/docs/overview
    r.add(SecretRule.builder("xai-api-key").description("xAI API key")
        .prefixes("xai-").pattern("xai-[A-Za-z0-9]{70,90}(?![A-Za-z0-9])")
        .validator(Values::mixedAlnum).build());
    // Replicate "API tokens": r8_ + 37 base62.  https://replicate.com/docs/topics/security/api-tokens
    r.add(SecretRule.builder("replicate-api-token").description("Replicate API token")
        .prefixes("r8_").pattern("r8_[A-Za-z0-9]{37}(?![A-Za-z0-9])")
        .validator(Values::mixedAlnum).build());
    // Perplexity "API": pplx- keys.  https://docs.perplexity.ai/guides/getting-started
    r.add(SecretRule.builder("perplexity-api-key").description("Perplexity API key")
        .prefixes("pplx-").pattern("pplx-[A-Za-z0-9]{40,56}(?![A-Za-z0-9])").minEntropy(3.5)
        .validator(v -> Values.hasDigit(v) && Values.hasLetter(v)).build());
    // Apify "API and integrations": tokens apify_api_ + 36 base62.
    // https://docs.apify.com/platform/integrations/api
    r.add(SecretRule.builder("apify-api-token").description("Apify API token")
        .prefixes("apify_api_").pattern("apify_api_[A-Za-z0-9]{36}(?![A-Za-z0-9])")
        .validator(Values::mixedAlnum).build());

    // Shopify "Access tokens": shpat_ (admin API), shpca_ (custom app), shppa_ (private app),
    // shpss_ (shared secret) + 32 hex.  https://shopify.dev/docs/apps/build/authentication-authorization/access-tokens
    r.add(prefix("shopify-token", "Shopify access token or shared secret",
        "shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}(?![A-Za-z0-9])", "shpat_", "shpca_", "shppa_",
        "shpss_"));
    // Heroku "Authentication": API keys in the HRKU- format; older keys were UUIDs, recognised
    // only when assigned to a heroku-named key.  https://devcenter.heroku.com/articles/authentication
    r.add(prefix("heroku-api-key", "Heroku API key", "HRKU-[A-Za-z0-9_-]{50,}", "hrku-"));
    r.add(SecretRule.builder("heroku-api-key-legacy").description("Heroku UUID API key")
        .prefixes("heroku").wordStart(false)
        .pattern("(?i)heroku[A-Za-z0-9_.-]{0,24}?(?:api[_-]?key|token|auth)" + SEP
            + "([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})")
        .secretGroup(1).build());
    // DigitalOcean "Personal access tokens": dop_v1_ (personal), doo_v1_ (OAuth), dor_v1_
    // (refresh) + 64 hex.  https://docs.digitalocean.com/reference/api/create-personal-access-token/
    r.add(prefix("digitalocean-token", "DigitalOcean token",
        "do[opr]_v1_[a-f0-9]{64}(?![A-Za-z0-9])", "dop_v1_", "doo_v1_", "dor_v1_"));
    // Linear "API": personal API keys lin_api_ + 40 base62.  https://linear.app/developers
    r.add(mixedPrefix("linear-api-key", "Linear API key",
        "lin_api_[A-Za-z0-9]{40}(?![A-Za-z0-9])", "lin_api_"));
    // Notion "Authorization": internal integration tokens ntn_ (formerly secret_ + 43 base62).
    // https://developers.notion.com/docs/authorization
    r.add(SecretRule.builder("notion-token").description("Notion integration token")
        .prefixes("ntn_", "secret_").pattern("(?:ntn_[A-Za-z0-9]{40,50}|secret_[A-Za-z0-9]{43})"
            + "(?![A-Za-z0-9])")
        .minEntropy(3.5).validator(Values::mixedAlnum).build());
    // Sentry "Auth tokens": organisation tokens sntrys_, user tokens sntryu_ + 64 hex.
    // https://docs.sentry.io/account/auth-tokens/
    r.add(SecretRule.builder("sentry-token").description("Sentry auth token")
        .prefixes("sntrys_", "sntryu_")
        .pattern("(?:sntrys_[A-Za-z0-9+/=_]{40,}|sntryu_[a-f0-9]{64}(?![A-Za-z0-9]))")
        .minEntropy(3.0).build());
    // Databricks "Personal access tokens": dapi + 32 hex (optionally -<digit>).
    // https://docs.databricks.com/dev-tools/auth/pat.html
    r.add(SecretRule.builder("databricks-token").description("Databricks personal access token")
        .prefixes("dapi").pattern("dapi[a-f0-9]{32}(?:-[0-9])?(?![A-Za-z0-9])").minEntropy(3.0)
        .build());
    // Postman "API keys": PMAK-<24 hex>-<34 hex>.  https://learning.postman.com/docs/developer/postman-api/authentication/
    r.add(prefix("postman-api-key", "Postman API key",
        "PMAK-[a-f0-9]{24}-[a-f0-9]{34}(?![A-Za-z0-9])", "pmak-"));
    // Grafana "Service accounts": tokens glsa_; Grafana Cloud access policy tokens glc_.
    // https://grafana.com/docs/grafana/latest/administration/service-accounts/
    r.add(mixedPrefix("grafana-token", "Grafana service-account or cloud token",
        "(?:glsa_[A-Za-z0-9]{32}_[a-f0-9]{8}|glc_[A-Za-z0-9+/]{32,}={0,2})(?![A-Za-z0-9])",
        "glsa_", "glc_"));
    // New Relic "API keys": user keys NRAK- + 27.  https://docs.newrelic.com/docs/apis/intro-apis/new-relic-api-keys/
    r.add(prefix("newrelic-user-key", "New Relic user API key",
        "NRAK-[A-Z0-9]{27}(?![A-Za-z0-9])", "nrak-"));
    // Supabase "Access tokens": personal tokens sbp_ + 40 hex.  https://supabase.com/docs/reference/api/introduction
    r.add(prefix("supabase-token", "Supabase personal access token",
        "sbp_[a-f0-9]{40}(?![A-Za-z0-9])", "sbp_"));
    // age "Secret keys": AGE-SECRET-KEY-1 + 58 bech32 characters.
    // https://github.com/C2SP/C2SP/blob/main/age.md
    r.add(prefix("age-secret-key", "age encryption secret key",
        "AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}", "age-secret-key-1"));

    // RFC 7519 (JWT) / RFC 7515 (JWS compact form): three base64url parts; the first is the
    // JOSE header, a JSON object with "alg". "eyJ" is how base64 of {" begins.
    r.add(SecretRule.builder("jwt").description("JSON Web Token (header with \"alg\")")
        .prefixes("eyj")
        .pattern("eyJ[A-Za-z0-9_-]{10,}\\.[A-Za-z0-9_-]{10,}\\.[A-Za-z0-9_-]{10,}")
        .validator(BuiltInRules::isJwt).build());
    // RFC 7468 (textual encodings): -----BEGIN … PRIVATE KEY----- … -----END … PRIVATE KEY-----;
    // inside JSON text the newlines are often escaped as \n. The body is masked, the labels kept.
    r.add(SecretRule.builder("pem-private-key").description("PEM private key block")
        .prefixes("-----begin ").wordStart(false)
        .pattern("-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----(?:\\s|\\\\[rn])*+"
            + "((?:(?!-----)[\\s\\S])"
            + "{32,65536}?)(?:-----END [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----|$)")
        .secretGroup(1).validator(BuiltInRules::isPemBody).build());

    // RFC 3986 userinfo in database connection URLs (PostgreSQL, MySQL, MongoDB incl.
    // mongodb+srv, Redis, AMQP and others): scheme://user:password@host. Only the password is
    // masked; well-known sample passwords are left.
    // https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-CONNSTRING-URIS
    // https://www.mongodb.com/docs/manual/reference/connection-string/
    r.add(SecretRule.builder("database-url-password")
        .description("password in a database connection URL")
        .prefixes("postgres", "mysql", "mariadb", "mongodb", "redis", "amqp", "mssql",
            "sqlserver", "clickhouse", "cockroachdb", "couchdb", "neo4j", "rabbitmq")
        .pattern("(?:postgres(?:ql)?|mysql|mariadb|mongodb(?:\\+srv)?|rediss?|amqps?|mssql"
            + "|sqlserver|clickhouse|cockroachdb|couchdb|neo4j(?:\\+s)?|rabbitmq)://"
            + "[^\\s:/@\"'\\\\]{0,128}:([^\\s@/\"'\\\\]{1,256})@")
        .secretGroup(1).validator(BuiltInRules::isUrlPassword).build());
    r.add(SecretRule.builder("url-credentials").description("password in an http(s)/ftp/ssh URL")
        .prefixes("http://", "https://", "ftp://", "ftps://", "sftp://", "ssh://")
        .pattern("(?:https?|ftps?|sftp|ssh)://[^\\s:/@\"'\\\\]{1,128}:([^\\s@/\"'\\\\]{3,256})@")
        .secretGroup(1).validator(BuiltInRules::isUrlPassword).build());

    // RFC 6750 (Bearer) and RFC 7617 (Basic) credentials in an Authorization header.
    r.add(SecretRule.builder("authorization-bearer").description("Bearer token")
        .prefixes("bearer")
        .pattern("(?i)bearer[ \\t]+(?-i)([A-Za-z0-9._~+/-]{16,}=*)(?![A-Za-z0-9._~+/=-])")
        .secretGroup(1).validator(v -> Values.looksLikeGeneratedSecret(v, 16, 3.0)).build());
    r.add(SecretRule.builder("authorization-basic").description("Basic credentials")
        .prefixes("authorization").wordStart(false)
        .pattern("(?i)authorization" + SEP + "basic[ \\t]+(?-i)([A-Za-z0-9+/]{8,}={0,2})"
            + "(?![A-Za-z0-9+/=])")
        .secretGroup(1).validator(BuiltInRules::isBasicCredentials).build());

    // Assignments to secret-named keys: code (name = value) and configuration (name: value,
    // "name": "value"). Only the value is masked, and only a literal: not an identifier, call,
    // ${…} or placeholder.
    r.add(SecretRule.builder("password-assignment")
        .description("literal password assigned to a password-named key")
        .prefixes("password", "passwd", "passphrase", "pwd").wordStart(false)
        .pattern("(?i)(?:password|passwd|passphrase|pwd)"
            + SEP + "([A-Za-z0-9+/=_.~!@#$%^&*?|-]{6,128})" + VALUE_END)
        .secretGroup(1).validator(Values::looksLikePassword).build());
    r.add(SecretRule.builder("secret-assignment")
        .description("random-looking value assigned to a secret/token/api-key named key")
        .prefixes(SECRET_WORDS).wordStart(false)
        .pattern(secretNamedKey() + SEP
            + "([A-Za-z0-9+/=_.~!@#$%^-]{12,512})" + VALUE_END)
        .secretGroup(1).validator(v -> Values.looksLikeGeneratedSecret(v, 12, 3.2)).build());
    return Collections.unmodifiableList(r);
  }

  /**
   * A key that ends in a secret word, as code and configuration spell keys: {@code api_key},
   * {@code GITHUB_TOKEN}, {@code clientSecret}, {@code x-api-key}. A lone capitalised word
   * ({@code Help Token: …}) is a label in prose, not a key, so Title-case needs a prefix. The
   * pattern starts at the word (where the keyword pre-filter found it); the value after it is
   * what gets masked, so where the key begins does not matter.
   */
  private static String secretNamedKey() {
    String[] words = SECRET_WORDS;
    StringBuilder plain = new StringBuilder();
    StringBuilder title = new StringBuilder();
    for (String w : words) {
      String t = Character.toUpperCase(w.charAt(0)) + w.substring(1);
      // The words hold only letters, '_' and '-', none special outside a character class.
      plain.append(plain.length() == 0 ? "" : "|").append(w).append('|')
          .append(w.toLowerCase(Locale.ROOT)).append('|').append(w.toUpperCase(Locale.ROOT));
      title.append(title.length() == 0 ? "" : "|").append(t);
    }
    return "(?:" + plain + "|(?<=[A-Za-z0-9_.-])(?:" + title + "))";
  }

  private static SecretRule prefix(String id, String description, String regex,
      String... prefixes) {
    return SecretRule.builder(id).description(description).prefixes(prefixes).pattern(regex)
        .build();
  }

  /**
   * As {@link #prefix}, for tokens whose random part mixes at least three of lower case, upper
   * case, digits and symbols, so that a prefix followed by a plain word or name is left alone.
   */
  private static SecretRule mixedPrefix(String id, String description, String regex,
      String... prefixes) {
    return SecretRule.builder(id).description(description).prefixes(prefixes).pattern(regex)
        .validator(v -> Values.charClasses(v) >= 3).build();
  }

  private static boolean isJwt(String token) {
    String header = token.substring(0, token.indexOf('.'));
    try {
      String decoded = new String(Base64.getUrlDecoder().decode(header), StandardCharsets.UTF_8);
      return decoded.startsWith("{") && decoded.contains("\"alg\"");
    } catch (IllegalArgumentException notBase64) {
      return false;
    }
  }

  /** Escaped or real line breaks, and RFC 1421 header lines such as Proc-Type. */
  private static final Pattern PEM_NOISE =
      Pattern.compile("^[A-Za-z-]+:[^\\n]*$|\\\\[nrt]|\\s", Pattern.MULTILINE);

  private static boolean isPemBody(String body) {
    String stripped = PEM_NOISE.matcher(body).replaceAll("");
    int base64 = 0;
    for (int i = 0; i < stripped.length(); i++) {
      char c = stripped.charAt(i);
      if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+'
          || c == '/' || c == '=') {
        base64++;
      }
    }
    return base64 >= 32 && base64 * 10 >= stripped.length() * 9
        && !Values.looksLikePlaceholder(stripped);
  }

  private static final String[] SAMPLE_DB_PASSWORDS = {"postgres", "mysql", "guest", "redis",
      "mongo", "mongodb", "changeit", "pass", "password", "passwd", "secret", "root", "admin",
      "pw", "pwd", "user", "test", "example"};

  private static boolean isUrlPassword(String p) {
    if (Values.looksLikeExpression(p) || p.startsWith("<") || p.startsWith("{")) {
      return false;
    }
    for (String s : SAMPLE_DB_PASSWORDS) {
      if (p.equalsIgnoreCase(s)) {
        return false;
      }
    }
    return true;
  }

  private static boolean isBasicCredentials(String b64) {
    try {
      String decoded = new String(Base64.getDecoder().decode(b64), StandardCharsets.UTF_8);
      int colon = decoded.indexOf(':');
      if (colon < 0 || colon == decoded.length() - 1) {
        return false;
      }
      for (int i = 0; i < decoded.length(); i++) {
        if (decoded.charAt(i) < 0x20) {
          return false;
        }
      }
      return !Values.looksLikePlaceholder(decoded.substring(colon + 1));
    } catch (IllegalArgumentException notBase64) {
      return false;
    }
  }

}
