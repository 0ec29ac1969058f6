package dev.tandem.sync.history;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Locale;
import java.util.Set;

/**
 * Checks names and relative paths that come from record data (and so possibly from another
 * device) before export writes anything under them. Every check is lexical first (the same
 * answer on every platform, so a name that is dangerous on Windows is refused on Linux too), then
 * against the file system: no existing symbolic link anywhere between the export folder and the
 * file, whatever it points to.
 */
final class SafePaths {
  private SafePaths() {}

  /** A name or path that export refuses to write. */
  static final class UnsafePathException extends Exception {
    UnsafePathException(String message) {
      super(message);
    }
  }

  private static final Set<String> WINDOWS_DEVICES = Set.of("con", "prn", "aux", "nul",
      "com1", "com2", "com3", "com4", "com5", "com6", "com7", "com8", "com9",
      "lpt1", "lpt2", "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9");

  /**
   * Returns why {@code rel} may not be written below an export folder, or null if it may.
   *
   * @param subfolders whether {@code rel} may name subfolders with {@code /}
   */
  static String problem(String rel, boolean subfolders) {
    if (rel == null || rel.isEmpty()) {
      return "empty name";
    }
    for (int i = 0; i < rel.length(); i++) {
      char c = rel.charAt(i);
      if (c == 0) {
        return "contains a NUL character";
      }
      if (c < 0x20 || c == 0x7f) {
        return "contains a control character";
      }
    }
    if (rel.indexOf('\\') >= 0) {
      // a separator on Windows: "..\x", "\\host\share" and "C:\x" all start this way
      return rel.startsWith("\\\\") ? "is a UNC path" : "contains a backslash";
    }
    if (rel.startsWith("/")) {
      return "is an absolute path";
    }
    if (rel.length() >= 2 && rel.charAt(1) == ':' && Character.isLetter(rel.charAt(0))) {
      return "starts with a drive letter";
    }
    if (rel.indexOf(':') >= 0) {
      // Windows reads "name:stream" as an alternate data stream of "name"
      return "contains a colon";
    }
    if (!subfolders && rel.indexOf('/') >= 0) {
      return "contains a path separator";
    }
    for (String segment : rel.split("/", -1)) {
      if (segment.isEmpty()) {
        return "has an empty path segment";
      }
      if (segment.equals(".") || segment.equals("..")) {
        return "has a \"" + segment + "\" segment";
      }
      if (segment.endsWith(".") || segment.endsWith(" ")) {
        // Windows drops trailing dots and spaces: "x.." names "x", "... " names nothing sane
        return "has a segment ending in a dot or space";
      }
      int dot = segment.indexOf('.');
      String stem = (dot < 0 ? segment : segment.substring(0, dot)).toLowerCase(Locale.ROOT);
      if (WINDOWS_DEVICES.contains(stem)) {
        return "names a Windows device (" + stem + ")";
      }
      if (segment.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 255) {
        return "has a segment longer than 255 bytes";
      }
    }
    return null;
  }

  /**
   * Resolves {@code rel} below {@code base} after checking it lexically and on disk: the result
   * is inside {@code base} after normalisation and no existing component after {@code base} is
   * a symbolic link; an existing final component must be a regular file (or a directory when
   * {@code directory}).
   *
   * @param base the export folder, real path (symbolic links in it resolved)
   */
  static Path resolve(Path base, String rel, boolean subfolders, boolean directory)
      throws UnsafePathException {
    String why = problem(rel, subfolders);
    if (why != null) {
      throw new UnsafePathException("unsafe path " + quote(rel) + ": " + why);
    }
    Path target = base.resolve(rel).normalize();
    if (!target.startsWith(base) || target.equals(base)) {
      throw new UnsafePathException("unsafe path " + quote(rel) + ": resolves outside " + base);
    }
    checkNoLinks(base, target, rel, directory);
    return target;
  }

  /** Checks that no existing component from below {@code base} to {@code target} is a link. */
  static void checkNoLinks(Path base, Path target, String rel, boolean directory)
      throws UnsafePathException {
    Path p = base;
    Path relative = base.relativize(target);
    for (int i = 0; i < relative.getNameCount(); i++) {
      p = p.resolve(relative.getName(i));
      BasicFileAttributes a;
      try {
        a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      } catch (IOException e) {
        return; // does not exist yet: nothing below it exists either
      }
      if (a.isSymbolicLink()) {
        throw new UnsafePathException("unsafe path " + quote(rel) + ": " + base.relativize(p)
            + " is a symbolic link in the export folder");
      }
      boolean last = i == relative.getNameCount() - 1;
      if (!last && !a.isDirectory()) {
        throw new UnsafePathException("unsafe path " + quote(rel) + ": " + base.relativize(p)
            + " exists and is not a folder");
      }
      if (last && (directory ? !a.isDirectory() : !a.isRegularFile())) {
        throw new UnsafePathException("unsafe path " + quote(rel) + ": exists and is not a "
            + (directory ? "folder" : "regular file"));
      }
    }
  }

  /**
   * Opens {@code file} for writing, replacing its content, without following a symbolic link
   * that may have appeared since it was checked.
   */
  static OutputStream newOutputStream(Path file) throws IOException {
    return Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING, LinkOption.NOFOLLOW_LINKS);
  }

  /** Returns {@code s} quoted for a message, control characters escaped. */
  static String quote(String s) {
    if (s == null) {
      return "null";
    }
    StringBuilder sb = new StringBuilder("\"");
    for (int i = 0; i < s.length() && i < 200; i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        sb.append(String.format("\\u%04x", (int) c));
      } else {
        sb.append(c);
      }
    }
    return sb.append(s.length() > 200 ? "…\"" : "\"").toString();
  }
}
