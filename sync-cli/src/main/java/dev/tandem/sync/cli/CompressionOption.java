package dev.tandem.sync.cli;

import dev.tandem.sync.transport.Compression;
import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/** {@code --compression} of the commands that send changes to the server. */
final class CompressionOption {
  @Option(names = "--compression", paramLabel = "MODE", defaultValue = "auto",
      converter = Converter.class,
      description = "How changes are compressed on the way to the server: auto (zstd when the "
          + "server takes it, else gzip; the default), zstd, gzip or none.")
  Compression compression = Compression.AUTO;

  static final class Converter implements ITypeConverter<Compression> {
    @Override
    public Compression convert(String value) {
      switch (value.trim().toLowerCase(Locale.ROOT)) {
        case "auto":
          return Compression.AUTO;
        case "zstd":
          return Compression.ZSTD;
        case "gzip":
          return Compression.GZIP;
        case "none":
          return Compression.NONE;
        default:
          throw new TypeConversionException("--compression must be auto, zstd, gzip or none, "
              + "not \"" + value + "\"");
      }
    }
  }
}
