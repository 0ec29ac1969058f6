package dev.tandem.sync.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;
import picocli.CommandLine.IVersionProvider;

/**
 * The CLI's {@code --version}: the build's version, from a resource the build fills in, so that
 * the pom is the only place a version is written.
 */
final class CliVersion implements IVersionProvider {
  /** Returns the version the build stamped, such as {@code 0.1.0}. */
  static String version() {
    try (InputStream in = CliVersion.class.getResourceAsStream("version.properties")) {
      if (in == null) {
        throw new IllegalStateException("version.properties is missing from the CLI's jar");
      }
      Properties p = new Properties();
      p.load(in);
      return p.getProperty("version");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public String[] getVersion() {
    return new String[] {"tandem " + version()};
  }
}
