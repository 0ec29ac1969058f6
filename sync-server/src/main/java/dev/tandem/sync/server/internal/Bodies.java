package dev.tandem.sync.server.internal;

import com.github.luben.zstd.ZstdDictDecompress;
import com.github.luben.zstd.ZstdInputStream;
import dev.tandem.sync.protocol.ErrorCode;
import dev.tandem.sync.protocol.WireDictionary;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads a request body, inflating {@code gzip}, {@code zstd} or zstd with the shared dictionary
 * ({@link WireDictionary#CODING}), and enforces the size limit on both the bytes received and the
 * bytes inflated — while reading, so a compression bomb is cut off after {@code maxBytes} and
 * never fills memory.
 */
public final class Bodies {
  private Bodies() {}

  /** The dictionary digested once; read-only, shared by every request thread. */
  private static final class Dictionary {
    static final ZstdDictDecompress DECOMPRESS = new ZstdDictDecompress(WireDictionary.bytes());
  }

  /**
   * Returns the body's decoded bytes.
   *
   * @throws ApiException 415 {@code unsupported_encoding} (also for a dictionary this server does
   *     not have), 413 {@code payload_too_large} or 400 {@code bad_request} for a body that does
   *     not inflate
   */
  public static byte[] read(InputStream raw, String contentEncoding, long contentLength,
      long maxBytes) throws IOException {
    String encoding = contentEncoding == null ? "" : contentEncoding.trim().toLowerCase(Locale.ROOT);
    String dictionary = WireDictionary.idOf(encoding);
    if (dictionary != null && !(encoding.equals(WireDictionary.CODING)
        && WireDictionary.isAvailable())) {
      throw new ApiException(415, ErrorCode.UNSUPPORTED_ENCODING, "Content-Encoding \""
          + shorten(contentEncoding) + "\" names the zstd dictionary \"" + shorten(dictionary)
          + "\", which this server does not have; it has \"" + WireDictionary.ID
          + "\" (send plain zstd or gzip instead)");
    }
    if (dictionary == null && !encoding.isEmpty() && !encoding.equals("identity")
        && !encoding.equals("gzip") && !encoding.equals("zstd")) {
      throw new ApiException(415, ErrorCode.UNSUPPORTED_ENCODING,
          "Content-Encoding must be " + WireDictionary.CODING + ", zstd, gzip or absent, not \""
              + shorten(contentEncoding) + "\"");
    }
    if (contentLength > maxBytes) {
      throw tooLarge(maxBytes);
    }
    InputStream limitedRaw = new LimitedInputStream(raw, maxBytes);
    try {
      switch (encoding) {
        case "gzip":
          return readAll(new LimitedInputStream(new GZIPInputStream(limitedRaw, 8192), maxBytes));
        case "zstd":
          return readAll(new LimitedInputStream(new ZstdInputStream(limitedRaw), maxBytes));
        case WireDictionary.CODING:
          // The same limit on the inflated bytes: a dictionary makes a bomb no smaller.
          return readAll(new LimitedInputStream(
              new ZstdInputStream(limitedRaw).setDict(Dictionary.DECOMPRESS), maxBytes));
        default:
          return readAll(limitedRaw);
      }
    } catch (ApiException e) {
      throw e;
    } catch (ZipException | java.io.EOFException e) {
      throw ApiException.badRequest("body is not valid " + encoding + ": " + e.getMessage());
    } catch (IOException e) {
      if (e.getClass().getName().startsWith("com.github.luben.zstd")) {
        throw ApiException.badRequest("body is not valid " + encoding + ": " + e.getMessage());
      }
      throw e;
    }
  }

  private static byte[] readAll(InputStream in) throws IOException {
    try (in) {
      ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
      in.transferTo(out);
      return out.toByteArray();
    }
  }

  static ApiException tooLarge(long maxBytes) {
    return new ApiException(413, ErrorCode.PAYLOAD_TOO_LARGE,
        "request body exceeds the limit of " + maxBytes + " bytes");
  }

  private static String shorten(String s) {
    return s.length() > 40 ? s.substring(0, 40) + "…" : s;
  }

  /** Throws 413 as soon as more than {@code max} bytes are read. */
  private static final class LimitedInputStream extends InputStream {
    private final InputStream in;
    private final long max;
    private long count;

    LimitedInputStream(InputStream in, long max) {
      this.in = in;
      this.max = max;
    }

    @Override
    public int read() throws IOException {
      int b = in.read();
      if (b >= 0 && ++count > max) {
        throw tooLarge(max);
      }
      return b;
    }

    @Override
    public int read(byte[] buf, int off, int len) throws IOException {
      int n = in.read(buf, off, len);
      if (n > 0) {
        count += n;
        if (count > max) {
          throw tooLarge(max);
        }
      }
      return n;
    }

    @Override
    public void close() throws IOException {
      in.close();
    }
  }
}
