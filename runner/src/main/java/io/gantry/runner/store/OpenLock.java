package io.gantry.runner.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Lets one process at a time open or close the database of a data directory. H2's AUTO_SERVER
 * hand-over races when processes start together: a second process can find the first one's lock
 * file before it names its server, and fails with "Database may be already in use" or "Lock file
 * recently modified" instead of connecting.
 */
final class OpenLock implements AutoCloseable {

  // A JVM may hold a file lock only once, so its own threads queue here first.
  private static final ReentrantLock IN_PROCESS = new ReentrantLock();
  private static final long POLL_MILLIS = 20;

  private final FileChannel channel;

  private OpenLock(FileChannel channel) {
    this.channel = channel;
  }

  /**
   * @throws TimeoutException when another process holds the lock for longer than {@code timeout},
   *     as one stuck in a long migration would
   */
  static OpenLock acquire(Path file, Duration timeout)
      throws IOException, TimeoutException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    if (!IN_PROCESS.tryLock(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
      throw timedOut(timeout);
    }
    FileChannel channel = null;
    try {
      channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      while (true) {
        // The lock lives as long as the channel, which close() closes.
        if (channel.tryLock() != null) {
          return new OpenLock(channel);
        }
        if (System.nanoTime() > deadline) {
          throw timedOut(timeout);
        }
        Thread.sleep(POLL_MILLIS);
      }
    } catch (IOException | TimeoutException | InterruptedException | RuntimeException e) {
      if (channel != null) {
        channel.close();
      }
      IN_PROCESS.unlock();
      throw e;
    }
  }

  private static TimeoutException timedOut(Duration timeout) {
    return new TimeoutException(
        "another gantry process kept the database busy for more than "
            + timeout.toSeconds()
            + " s");
  }

  @Override
  public void close() {
    try {
      // Closing the channel releases the lock.
      channel.close();
    } catch (IOException e) {
      // The operating system drops the lock with the file handle whatever went wrong here.
    } finally {
      IN_PROCESS.unlock();
    }
  }
}
