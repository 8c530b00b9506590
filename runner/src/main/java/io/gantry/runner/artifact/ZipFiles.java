package io.gantry.runner.artifact;

import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.security.DigestInputStream;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * Artifact zips, streamed both ways: never a whole file in memory, the size bounded, the SHA-256 of
 * the zip computed as it is written and checked before it is extracted.
 */
final class ZipFiles {

  private static final int BUFFER = 64 * 1024;

  private ZipFiles() {}

  /** A zip written: its size and digest. */
  record Written(long bytes, String sha256) {}

  /**
   * Writes {@code files} (paths below {@code base}) into a new zip at {@code target}, at {@code
   * level} (0–9); fails once the files read or the zip written pass {@code maxBytes}.
   */
  static Written write(Path base, List<Path> files, Path target, int level, long maxBytes)
      throws IOException, ArtifactException {
    MessageDigest digest = sha256();
    Counting counting;
    try (OutputStream file =
            Files.newOutputStream(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        Counting count = new Counting(new DigestOutputStream(file, digest), maxBytes);
        ZipOutputStream zip = new ZipOutputStream(new BufferedOutputStream(count, BUFFER))) {
      counting = count;
      zip.setLevel(level);
      long read = 0;
      byte[] buffer = new byte[BUFFER];
      for (Path path : files) {
        ZipEntry entry = new ZipEntry(base.relativize(path).toString().replace('\\', '/'));
        entry.setLastModifiedTime(Files.getLastModifiedTime(path));
        zip.putNextEntry(entry);
        try (InputStream in = Files.newInputStream(path)) {
          for (int n; (n = in.read(buffer)) > 0; ) {
            read += n;
            if (read > maxBytes) {
              throw tooLarge(maxBytes);
            }
            zip.write(buffer, 0, n);
          }
        }
        zip.closeEntry();
      }
      zip.finish();
      zip.flush();
    } catch (Counting.Overflow e) {
      throw tooLarge(maxBytes);
    }
    return new Written(counting.count, HexFormat.of().formatHex(digest.digest()));
  }

  /** The SHA-256 of a file as hex. */
  static String digestOf(Path file) throws IOException {
    MessageDigest digest = sha256();
    try (InputStream in = new DigestInputStream(Files.newInputStream(file), digest)) {
      in.transferTo(OutputStream.nullOutputStream());
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  /**
   * Extracts a zip into {@code target} (files there of the same names are replaced); every entry
   * must land inside {@code target}, and the files together stay within {@code maxBytes}. Returns
   * the number of files.
   */
  static int extract(Path zip, Path target, long maxBytes) throws IOException, ArtifactException {
    Path root = target.toAbsolutePath().normalize();
    Files.createDirectories(root);
    int count = 0;
    long total = 0;
    byte[] buffer = new byte[BUFFER];
    try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip))) {
      for (ZipEntry entry; (entry = in.getNextEntry()) != null; ) {
        Path out = root.resolve(entry.getName()).normalize();
        if (!out.startsWith(root) || out.equals(root)) {
          throw new ArtifactException(
              "the zip holds '" + entry.getName() + "', which would land outside " + root);
        }
        if (entry.isDirectory()) {
          Files.createDirectories(out);
          continue;
        }
        Files.createDirectories(out.getParent());
        try (OutputStream file = Files.newOutputStream(out)) {
          for (int n; (n = in.read(buffer)) > 0; ) {
            total += n;
            if (total > maxBytes) {
              throw new ArtifactException(
                  "the artifact unpacks to more than " + maxBytes + " bytes, the limit");
            }
            file.write(buffer, 0, n);
          }
        }
        if (entry.getLastModifiedTime() != null) {
          Files.setLastModifiedTime(out, FileTime.from(entry.getLastModifiedTime().toInstant()));
        }
        count++;
      }
    }
    return count;
  }

  private static ArtifactException tooLarge(long maxBytes) {
    return new ArtifactException(
        "the artifact is larger than "
            + maxBytes
            + " bytes, the limit; upload less (exclude files with '!' lines) or split it");
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JVM has no SHA-256", e);
    }
  }

  /** Counts what goes through and stops past a limit. */
  private static final class Counting extends FilterOutputStream {

    /** Unchecked, so it passes through the zip stream's writes. */
    static final class Overflow extends RuntimeException {
      private static final long serialVersionUID = 1L;
    }

    private final long max;
    long count;

    Counting(OutputStream out, long max) {
      super(out);
      this.max = max;
    }

    @Override
    public void write(int b) throws IOException {
      add(1);
      out.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      add(len);
      out.write(b, off, len);
    }

    private void add(long n) {
      count += n;
      if (count > max) {
        throw new Overflow();
      }
    }
  }
}
