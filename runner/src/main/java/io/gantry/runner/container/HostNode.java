package io.gantry.runner.container;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The host's Node.js mounted read-only into a job container whose image has none, as GitHub's
 * runner mounts its own Node.js at {@code /__e}: the executable at {@code /__e/node/bin/node} and
 * the shared libraries {@code ldd} lists for it (the dynamic loader included) in {@code
 * /__e/node/lib}, run through that loader, so it works in images without the host's C library (or
 * any). A Node.js run this way sees the loader as {@code process.execPath}.
 */
final class HostNode {

  static final String DIR = "/__e/node";
  private static final Pattern LIB = Pattern.compile("=>\\s*(/\\S+)");
  private static final Pattern LOADER = Pattern.compile("^\\s*(/\\S*ld-linux\\S*)");

  private final List<PathMap.Mount> mounts;
  private final String loader;

  private HostNode(List<PathMap.Mount> mounts, String loader) {
    this.mounts = mounts;
    this.loader = loader;
  }

  /** The mounts for {@code executable}; a {@link ContainerException} when ldd cannot list them. */
  static HostNode of(Path executable) {
    Path node;
    try {
      node = executable.toRealPath();
    } catch (IOException e) {
      throw new ContainerException("cannot read the host's Node.js " + executable + ": " + e);
    }
    String out;
    try {
      Process ldd = new ProcessBuilder("ldd", node.toString()).redirectErrorStream(true).start();
      out = new String(ldd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!ldd.waitFor(30, TimeUnit.SECONDS) || ldd.exitValue() != 0) {
        ldd.destroyForcibly();
        throw new ContainerException(
            "cannot list the libraries of the host's Node.js " + node + ": " + out.strip());
      }
    } catch (IOException e) {
      throw new ContainerException("cannot run ldd on the host's Node.js " + node + ": " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ContainerException("interrupted while listing the host's Node.js's libraries");
    }
    List<PathMap.Mount> mounts = new ArrayList<>();
    mounts.add(new PathMap.Mount(node.toString(), DIR + "/bin/node"));
    String loader = null;
    for (String line : out.split("\n")) {
      Matcher lib = LIB.matcher(line);
      Matcher ld = LOADER.matcher(line);
      String file = lib.find() ? lib.group(1) : ld.find() ? ld.group(1) : null;
      if (file == null) {
        continue;
      }
      Path path = Path.of(file);
      String name = path.getFileName().toString();
      if (name.startsWith("ld-linux")) {
        loader = DIR + "/lib/" + name;
      }
      try {
        mounts.add(new PathMap.Mount(path.toRealPath().toString(), DIR + "/lib/" + name));
      } catch (IOException e) {
        throw new ContainerException("cannot read " + path + " (a library of Node.js): " + e);
      }
    }
    if (loader == null) {
      throw new ContainerException(
          "the host's Node.js " + node + " is not a dynamically linked Linux program ldd reads");
    }
    return new HostNode(List.copyOf(mounts), loader);
  }

  /** The mounts as {@code HOST:CONTAINER:ro} binds. */
  List<String> binds() {
    List<String> binds = new ArrayList<>();
    for (PathMap.Mount m : mounts) {
      if (Files.exists(Path.of(m.host()))) {
        binds.add(m.host() + ":" + m.container() + ":ro");
      }
    }
    return binds;
  }

  /** The command that starts the mounted Node.js in the container. */
  List<String> command() {
    return List.of(loader, "--library-path", DIR + "/lib", DIR + "/bin/node");
  }
}
