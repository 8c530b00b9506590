package io.gantry.server;

import io.gantry.runner.testing.BusyboxImage;
import io.gantry.runner.testing.Podman;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A job image for the real actions/cache, made without any registry: {@link BusyboxImage}'s files
 * plus this machine's GNU tar (the action passes {@code --posix}, which busybox's tar refuses) at
 * {@code /usr/local/bin/tar}, with the shared libraries {@code ldd} lists for it at their paths.
 * Compression goes through busybox's {@code gzip}.
 */
final class GnuTarImage {

  static final String NAME = "localhost/gantry-test/runner-busybox-gnu-tar:1";
  private static final Pattern LIB = Pattern.compile("(?:=>\\s*)?(/\\S+)\\s+\\(0x");

  private GnuTarImage() {}

  static synchronized String ensure(Podman podman) throws Exception {
    if (podman.run("image", "exists", NAME).exit() == 0) {
      return NAME;
    }
    BusyboxImage.ensure(podman);
    Path tar = Path.of("/usr/bin/tar");
    if (!Files.isExecutable(tar)) {
      tar = Path.of("/bin/tar");
    }
    tar = tar.toRealPath();
    Path dir = Files.createTempDirectory("gantry-gnu-tar");
    try {
      Path root = Files.createDirectories(dir.resolve("root"));
      Files.createDirectories(root.resolve("usr/local/bin"));
      Files.copy(tar, root.resolve("usr/local/bin/tar"));
      Process ldd = new ProcessBuilder("ldd", tar.toString()).redirectErrorStream(true).start();
      String libs = new String(ldd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!ldd.waitFor(30, TimeUnit.SECONDS) || ldd.exitValue() != 0) {
        throw new IllegalStateException("ldd " + tar + ": " + libs);
      }
      for (String line : libs.split("\n")) {
        Matcher m = LIB.matcher(line);
        if (m.find()) {
          Path lib = Path.of(m.group(1));
          Path target = root.resolve(lib.toString().substring(1));
          Files.createDirectories(target.getParent());
          Files.copy(lib.toRealPath(), target, StandardCopyOption.REPLACE_EXISTING);
        }
      }
      // The busybox image's files under the ones added here.
      Path container = dir.resolve("base.tar");
      String base = "gantry-gnu-tar-base-" + ProcessHandle.current().pid();
      podman.run("create", "--name", base, BusyboxImage.NAME).orThrow();
      try {
        podman.run("export", "-o", container.toString(), base).orThrow();
      } finally {
        podman.run("rm", "-f", base);
      }
      run("tar", "-C", root.toString(), "-xf", container.toString());
      Path image = dir.resolve("root.tar");
      run("tar", "-C", root.toString(), "-cf", image.toString(), ".");
      podman
          .run(
              "import",
              "-q",
              "--change",
              "CMD=[\"sh\"]",
              "--change",
              "ENV=PATH=/usr/local/bin:/bin",
              image.toString(),
              NAME)
          .orThrow();
      return NAME;
    } finally {
      try (Stream<Path> tree = Files.walk(dir)) {
        for (Path p : tree.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      } catch (IOException e) {
        // a temporary folder
      }
    }
  }

  private static void run(String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException(String.join(" ", command) + ": " + output);
    }
  }
}
