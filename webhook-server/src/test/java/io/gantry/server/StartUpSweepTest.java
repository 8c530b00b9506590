package io.gantry.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code gantry serve} starting over what a killed server left: the step files (scripts with
 * secrets, raw output) and workspaces of runs no longer running are removed, and the data directory
 * is made private.
 */
class StartUpSweepTest {

  @TempDir Path dir;

  @Test
  void startingTheServerRemovesLeftFilesOfDeadRunsAndMakesTheDataDirectoryPrivate()
      throws Exception {
    Path data = Files.createDirectories(dir.resolve("data"));
    Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path script = data.resolve("tmp/4242/_steps/build/1.script.sh");
    Path output = data.resolve("tmp/4242/_steps/build/1.stdout");
    Path workspace = data.resolve("workspaces/4242/src/main.c");
    for (Path file : new Path[] {script, output, workspace}) {
      Files.createDirectories(file.getParent());
      Files.writeString(file, "echo left-over-secret\n");
    }

    // TestServer's data directory is dir/data.
    try (TestServer server = TestServer.start(dir, null, "")) {
      assertThat(server.port()).isPositive();
    }

    assertThat(data.resolve("tmp/4242")).doesNotExist();
    assertThat(data.resolve("workspaces/4242")).doesNotExist();
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(data)))
        .isEqualTo("rwx------");
  }
}
