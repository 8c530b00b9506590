package io.gantry.server.forge;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;

/**
 * Deliveries the hook could not send, kept on the disk (in the bare repository, e.g. {@code
 * gantry-spool/}) to be sent on the next push or by {@code gantry hook flush}: one file per
 * delivery, its exact body (so a resend is the same delivery, which the server deduplicates), named
 * by time so they go in push order. Written atomically; the folder is private to its owner. Callers
 * hold {@link #lock} while they send, so two pushes do not send the same file at once.
 */
final class HookSpool {

  private final Path dir;

  HookSpool(Path dir) {
    this.dir = dir;
  }

  Path dir() {
    return dir;
  }

  /** The kept deliveries, oldest first; empty when there is no spool. */
  List<Path> pending() throws IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> p.getFileName().toString().endsWith(".json")).sorted().toList();
    }
  }

  /** Keeps a delivery's body; returns its file. */
  Path keep(byte[] body) throws IOException {
    ensureDir();
    String name =
        String.format(
            "%020d-%s.json",
            System.currentTimeMillis(), Signatures.sha256Hex(body).substring(0, 16));
    Path target = dir.resolve(name);
    Path temp = dir.resolve("." + name + ".tmp");
    Files.write(temp, body);
    try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
      channel.force(true);
    }
    try {
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(temp, target);
    }
    return target;
  }

  byte[] read(Path file) throws IOException {
    return Files.readAllBytes(file);
  }

  void remove(Path file) throws IOException {
    Files.deleteIfExists(file);
  }

  /** An exclusive lock on the spool, released on close. */
  java.io.Closeable lock() throws IOException {
    ensureDir();
    FileChannel channel =
        FileChannel.open(dir.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    try {
      FileLock held = channel.lock();
      return () -> {
        held.release();
        channel.close();
      };
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  private void ensureDir() throws IOException {
    if (Files.isDirectory(dir)) {
      return;
    }
    try {
      Files.createDirectories(
          dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    } catch (FileAlreadyExistsException | UnsupportedOperationException e) {
      Files.createDirectories(dir);
    }
  }
}
