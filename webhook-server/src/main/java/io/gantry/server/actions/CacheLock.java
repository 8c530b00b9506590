package io.gantry.server.actions;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The one process that owns a data directory's cache store ({@code DATA/caches/.lock}, an OS file
 * lock released when the process ends, even by a crash): the store keeps its index in memory, so
 * two writers would overwrite each other's entries.
 */
public final class CacheLock implements AutoCloseable {

  private final FileChannel channel;
  private final FileLock lock;

  private CacheLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  /** The lock, or null when another process holds it. */
  public static CacheLock take(Path cacheDir) throws IOException {
    Files.createDirectories(cacheDir);
    FileChannel channel =
        FileChannel.open(
            cacheDir.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    try {
      FileLock lock = channel.tryLock();
      if (lock == null) {
        channel.close();
        return null;
      }
      return new CacheLock(channel, lock);
    } catch (OverlappingFileLockException e) {
      channel.close();
      return null;
    }
  }

  @Override
  public void close() {
    try {
      lock.release();
      channel.close();
    } catch (IOException e) {
      // The lock goes with the channel; nothing else to do.
    }
  }
}
