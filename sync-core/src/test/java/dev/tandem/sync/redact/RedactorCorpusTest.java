package dev.tandem.sync.redact;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.tandem.sync.internal.Json;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Real Cline / Roo Code task files hold plenty of code that names keys ({@code api_key: str =
 * None}, {@code os.getenv("…")}, {@code ${{ secrets.X }}}) and no live secret (the corpus's own
 * secrets were overwritten with {@code X} runs): the redactor must change none of it.
 */
class RedactorCorpusTest {
  private static final Path SHARED = findSharedCorpus();
  private final SecretRedactor redactor = Redactors.defaults();

  @Test
  void sharedCorpus_isReturnedUnchanged() throws IOException {
    // Assumption: the shared corpus sits next to the worktree; elsewhere (CI) the in-repo
    // sample below carries the check.
    assumeTrue(SHARED != null, "no shared/corpus beside any parent folder");
    int files = assertUnchanged(SHARED);
    assertTrue(files >= 90, "walked only " + files + " files");
  }

  @Test
  void inRepoSample_isReturnedUnchanged() throws IOException, URISyntaxException {
    Path root = Paths.get(getClass().getResource("/redact-corpus").toURI());
    int files = assertUnchanged(root);
    assertTrue(files >= 10, "walked only " + files + " files");
  }

  @Test
  void corpusLinesThatOnceFired_areLeftAlone() {
    // Phrases from the shared corpus (mazenhassouna/vibecheck, mike4567/MRA04242026) that an
    // earlier draft of the rules masked: a docstring, Terraform output, a gcloud support id.
    String[] lines = {
        "username: Instagram username (if login=True)\n            password: Instagram password",
        "random_password.db_password: Refreshing state... [id=qeDSbw]",
        "Permission denied to enable service [cloudbuild.googleapis.com]\n"
            + "Help Token: AShNTyHEB-4CAvEEyxT_nyQYgEddyWTKGkiDxI",
        "  password = random_password.db_password.result"};
    for (String line : lines) {
      assertEquals(new ArrayList<>(), redactor.findings(line), line);
    }
  }

  /** The project's shared folder sits beside the checkout, a level or two up. */
  private static Path findSharedCorpus() {
    String configured = System.getenv("TANDEM_CORPUS");
    if (configured != null && Files.isDirectory(Paths.get(configured))) {
      return Paths.get(configured);
    }
    Path dir = Paths.get("").toAbsolutePath();
    for (int i = 0; i < 4 && dir != null; i++, dir = dir.getParent()) {
      Path candidate = dir.resolve("shared").resolve("corpus");
      if (Files.isDirectory(candidate)) {
        return candidate;
      }
    }
    return null;
  }

  private int assertUnchanged(Path root) throws IOException {
    List<Path> paths;
    try (Stream<Path> s = Files.walk(root)) {
      paths = s.filter(Files::isRegularFile)
          .filter(p -> !p.getFileName().toString().equals("README.md") || p.getParent() != root)
          .sorted().collect(Collectors.toList());
    }
    List<String> changed = new ArrayList<>();
    for (Path p : paths) {
      String text = new String(Files.readAllBytes(p), StandardCharsets.UTF_8);
      String name = p.getFileName().toString();
      List<String> docs = new ArrayList<>();
      if (name.endsWith(".json")) {
        docs.add(text);
      } else if (name.endsWith(".jsonl")) {
        for (String line : text.split("\n")) {
          if (!line.trim().isEmpty()) {
            docs.add(line);
          }
        }
      } else {
        docs.add(Json.write(Json.object().put("text", text)));
      }
      for (String doc : docs) {
        String out = redactor.redact("message", "m", doc);
        if (!doc.equals(out)) {
          changed.add(root.relativize(p) + ": " + describe(doc));
        }
      }
    }
    assertEquals(new ArrayList<String>(), changed);
    return paths.size();
  }

  /** Names the rules and shows the text around each finding, to make a failure actionable. */
  private String describe(String doc) throws IOException {
    StringBuilder sb = new StringBuilder();
    try (JsonParser p = new JsonFactory().createParser(doc)) {
      JsonToken t;
      while ((t = p.nextToken()) != null) {
        if (t == JsonToken.VALUE_STRING) {
          String v = p.getText();
          for (SecretRedactor.Finding f : redactor.findings(v)) {
            sb.append("\n  ").append(f.ruleId()).append(": ")
                .append(v, Math.max(0, f.start() - 60), f.start()).append(">>>")
                .append(v, f.start(), Math.min(f.end(), f.start() + 12)).append("…<<<");
          }
        }
      }
    }
    return sb.toString();
  }
}
