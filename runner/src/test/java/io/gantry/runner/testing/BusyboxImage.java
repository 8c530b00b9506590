package io.gantry.runner.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A job and service image made without any registry: Debian's static busybox with every applet
 * linked in /bin, imported into Podman's storage as {@link #NAME} (localhost/ images are never
 * pulled). {@code sh}, {@code httpd}, {@code nc}, {@code wget}, {@code tail} and the rest are
 * there.
 */
public final class BusyboxImage {

  public static final String NAME = "localhost/gantry-test/runner-busybox:1";

  /** The same files, serving HTTP on 8080 by default: index.html holds $GREETING (or "busybox"). */
  public static final String WEB = "localhost/gantry-test/runner-busybox-web:1";

  private BusyboxImage() {}

  /** Imports the image when Podman does not have it yet; returns its name. */
  public static synchronized String ensure(Podman podman) throws Exception {
    if (podman.run("image", "exists", NAME).exit() == 0
        && podman.run("image", "exists", WEB).exit() == 0) {
      return NAME;
    }
    Tools.require("busybox");
    Path busybox = Tools.find("busybox");
    Path dir = Files.createTempDirectory("gantry-busybox");
    try {
      Path root = Files.createDirectories(dir.resolve("root"));
      Files.createDirectories(root.resolve("bin"));
      Files.createDirectories(root.resolve("tmp"));
      Files.createDirectories(root.resolve("www"));
      Files.writeString(root.resolve("www/index.html"), "busybox\n");
      Files.copy(busybox, root.resolve("bin/busybox"));
      Path serve = root.resolve("bin/serve");
      Files.writeString(
          serve,
          "#!/bin/sh\necho \"${GREETING:-busybox}\" > /www/index.html\n"
              + "exec httpd -f -p 8080 -h /www\n");
      serve.toFile().setExecutable(true, false);
      Process list = new ProcessBuilder(busybox.toString(), "--list").start();
      String applets =
          new String(list.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      list.waitFor();
      for (String applet : applets.split("\n")) {
        applet = applet.strip();
        if (!applet.isEmpty() && !applet.equals("busybox")) {
          Files.createSymbolicLink(root.resolve("bin").resolve(applet), Path.of("busybox"));
        }
      }
      Path tar = dir.resolve("root.tar");
      Process pack =
          new ProcessBuilder("tar", "-C", root.toString(), "-cf", tar.toString(), ".")
              .inheritIO()
              .start();
      if (pack.waitFor() != 0) {
        throw new IllegalStateException("tar failed");
      }
      List<String> args = new ArrayList<>(List.of("import", "-q"));
      args.addAll(List.of("--change", "CMD=[\"sh\"]", "--change", "ENV=PATH=/bin"));
      args.addAll(List.of(tar.toString(), NAME));
      podman.run(args.toArray(String[]::new)).orThrow();
      String web = "CMD=[\"/bin/serve\"]";
      podman
          .run("import", "-q", "--change", web, "--change", "ENV=PATH=/bin", tar.toString(), WEB)
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
}
