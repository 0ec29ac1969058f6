package dev.tandem.sync.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.sync.internal.Json;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;

/** Runs the CLI in-process, as its tests do, and keeps what it wrote. */
public final class CliRun {
  private CliRun() {}

  /** A finished run: the exit code and everything written to stdout and stderr. */
  public record Result(int code, String out, String err) {
    /** Stdout parsed as JSON, for commands run with {@code --json}. */
    public JsonNode json() throws Exception {
      return Json.MAPPER.readTree(out);
    }
  }

  /** Runs {@code args} through {@code cli}'s command line. */
  public static Result execute(TandemCli cli, String... args) {
    return execute(cli, new StringWriter(), args);
  }

  /** As {@link #execute(TandemCli, String...)}, writing stdout to {@code out}, which a test
   * may read while the command still runs. */
  public static Result execute(TandemCli cli, StringWriter out, String... args) {
    CommandLine cl = TandemCli.commandLine(cli);
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int code = cl.execute(args);
    return new Result(code, out.toString(), err.toString());
  }

  /** {@code args} after {@code --db db}. */
  public static String[] withDb(Path db, String... args) {
    List<String> all = new ArrayList<>(List.of("--db", db.toString()));
    all.addAll(List.of(args));
    return all.toArray(String[]::new);
  }
}
