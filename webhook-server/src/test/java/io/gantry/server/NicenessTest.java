package io.gantry.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The live log writer's thread is given a lower priority than the runs' threads, and only it. */
class NicenessTest {

  @Test
  void lowersTheCallingThreadOnly() throws Exception {
    AtomicReference<String> lowered = new AtomicReference<>();
    Thread thread =
        new Thread(
            () -> {
              boolean done = Niceness.lowerCurrentThread();
              lowered.set(done + " " + nice());
            });
    thread.start();
    thread.join(10_000);
    assertThat(lowered.get()).isEqualTo("true " + Niceness.NICE);
    assertThat(nice()).isEqualTo(0);
  }

  /** The calling thread's niceness, from the kernel. */
  private static int nice() {
    try {
      String stat = Files.readString(Path.of("/proc/thread-self/stat"), StandardCharsets.US_ASCII);
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      // Field 19 of stat, counted from the state (field 3) here.
      return Integer.parseInt(fields[16]);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
