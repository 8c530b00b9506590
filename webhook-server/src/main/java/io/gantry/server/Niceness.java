package io.gantry.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Gives the calling thread a lower CPU priority than the server's other threads (Linux: {@code
 * nice} {@value #NICE}, set with {@code renice} on the thread's own id), so that when work for
 * clients that can wait competes with runs for the machine's cores, the runs win: Java's thread
 * priorities do nothing on Linux. Where that is not possible (another system, no {@code renice})
 * the thread runs as it is.
 */
final class Niceness {

  /** The niceness given: a nice-10 thread gets about a tenth of the CPU of a nice-0 one. */
  static final int NICE = 10;

  private static final Logger LOG = Logger.getLogger(Niceness.class.getName());

  private Niceness() {}

  /** Lowers the calling thread's priority; true when it was lowered. */
  static boolean lowerCurrentThread() {
    Path self = Path.of("/proc/thread-self/stat");
    try {
      if (!Files.isReadable(self)) {
        return false;
      }
      String stat = Files.readString(self, StandardCharsets.US_ASCII);
      String tid = stat.substring(0, stat.indexOf(' '));
      Process renice =
          new ProcessBuilder("renice", "-n", String.valueOf(NICE), "-p", tid)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      if (!renice.waitFor(5, TimeUnit.SECONDS)) {
        renice.destroyForcibly();
        return false;
      }
      return renice.exitValue() == 0;
    } catch (IOException | RuntimeException e) {
      LOG.log(Level.FINE, "cannot lower the priority of " + Thread.currentThread().getName(), e);
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
