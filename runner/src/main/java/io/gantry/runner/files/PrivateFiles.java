package io.gantry.runner.files;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;

/**
 * Folders and files only their owner can read: the data directory and the folders Gantry owns in it
 * are 0700, files that may hold a secret (step scripts, raw step output, logs) 0600. On a file
 * system without POSIX permissions these are plain folders and files.
 */
public final class PrivateFiles {

  /** The folders of the data directory that Gantry owns and makes private. */
  public static final java.util.List<String> OWNED_FOLDERS =
      java.util.List.of("db", "logs", "workspaces", "tmp");

  private static final Set<PosixFilePermission> FOLDER =
      PosixFilePermissions.fromString("rwx------");
  private static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");
  private static final Set<StandardOpenOption> CREATE_NEW =
      EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
  private static final boolean POSIX =
      FileSystems.getDefault().supportedFileAttributeViews().contains("posix");

  private PrivateFiles() {}

  /**
   * Creates the data directory and the folders Gantry owns in it ({@link #OWNED_FOLDERS}) 0700, and
   * tightens them to 0700 when they exist with wider permissions.
   */
  public static void secureDataDir(Path dataDir) throws IOException {
    createDirectories(dataDir);
    restrict(dataDir);
    for (String name : OWNED_FOLDERS) {
      Path folder = dataDir.resolve(name);
      createDirectories(folder);
      restrict(folder);
    }
  }

  /** Creates a folder and its missing parents, each created 0700; returns the folder. */
  public static Path createDirectories(Path dir) throws IOException {
    Path absolute = dir.toAbsolutePath();
    if (Files.isDirectory(absolute)) {
      return dir;
    }
    Path parent = absolute.getParent();
    if (parent != null && !Files.isDirectory(parent)) {
      createDirectories(parent);
    }
    try {
      if (POSIX) {
        Files.createDirectory(absolute, folderAttribute());
        // The umask may have narrowed it, never widened; set it exactly.
        Files.setPosixFilePermissions(absolute, FOLDER);
      } else {
        Files.createDirectory(absolute);
      }
    } catch (java.nio.file.FileAlreadyExistsException e) {
      if (!Files.isDirectory(absolute)) {
        throw e;
      }
    }
    return dir;
  }

  /** Creates an empty file 0600, or empties an existing one and makes it 0600. */
  public static Path createEmpty(Path file) throws IOException {
    return writeString(file, "");
  }

  /** Writes a file 0600 (created, or truncated and made 0600). */
  public static Path writeString(Path file, String text) throws IOException {
    try (OutputStream out = newOutputStream(file, false)) {
      out.write(text.getBytes(StandardCharsets.UTF_8));
    }
    return file;
  }

  /**
   * Opens a file 0600 for writing: created with that mode in one system call when new (the common
   * case: step scripts, raw output and logs are new files), else made 0600 and then truncated, or
   * appended to when {@code append}.
   */
  public static OutputStream newOutputStream(Path file, boolean append) throws IOException {
    if (POSIX) {
      try {
        return Channels.newOutputStream(
            Files.newByteChannel(file, CREATE_NEW, PosixFilePermissions.asFileAttribute(FILE)));
      } catch (java.nio.file.FileAlreadyExistsException e) {
        Files.setPosixFilePermissions(file, FILE);
      }
    }
    return Files.newOutputStream(
        file,
        StandardOpenOption.CREATE,
        StandardOpenOption.WRITE,
        append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING);
  }

  /** Makes an existing file 0600 (a folder 0700); nothing on a non-POSIX file system. */
  public static void restrict(Path path) throws IOException {
    if (POSIX && Files.exists(path)) {
      Files.setPosixFilePermissions(path, Files.isDirectory(path) ? FOLDER : FILE);
    }
  }

  private static FileAttribute<Set<PosixFilePermission>> folderAttribute() {
    return PosixFilePermissions.asFileAttribute(FOLDER);
  }
}
