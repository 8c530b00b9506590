package io.gantry.runner.action.remote;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The real actions of the test resources ({@code actions/*.bundle}) as bare repositories below a
 * folder, {@code DIR/actions/NAME}, so {@code file://DIR} is an action source like github.com.
 */
public final class ActionRepos {

  public static final List<String> NAMES =
      List.of("setup-java", "cache", "github-script", "hello-world-javascript-action");

  private ActionRepos() {}

  /** Makes the bare repositories and returns the source's base URL. */
  public static String serve(Path dir) throws IOException {
    for (String name : NAMES) {
      Path bare = dir.resolve("actions").resolve(name);
      if (!Files.isDirectory(bare)) {
        Files.createDirectories(bare);
        git(bare, "init", "-q", "--bare");
        git(bare, "fetch", "-q", bundle(name).toString(), "refs/*:refs/*");
      }
    }
    return dir.toUri().toString();
  }

  /**
   * The bundle of one action, from the test resources: the file itself, or a copy in a temporary
   * file when the resources are read from the test jar (another module's tests).
   */
  public static Path bundle(String name) throws IOException {
    java.net.URL url = ActionRepos.class.getResource("/actions/" + name + ".bundle");
    if (url == null) {
      throw new IllegalStateException("test resource actions/" + name + ".bundle is missing");
    }
    try {
      if ("file".equals(url.getProtocol())) {
        return Path.of(url.toURI());
      }
    } catch (URISyntaxException e) {
      throw new IllegalStateException("test resource actions/" + name + ".bundle: " + e, e);
    }
    Path copy = Files.createTempFile(name + "-", ".bundle");
    copy.toFile().deleteOnExit();
    try (java.io.InputStream in = url.openStream()) {
      Files.copy(in, copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
    return copy;
  }

  /** Runs git in a folder and returns its output; fails on a non-zero exit. */
  public static String git(Path dir, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of("git"));
    command.addAll(List.of(args));
    Process p =
        new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    try {
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IOException("git " + String.join(" ", args) + " failed: " + out);
      }
      return out.strip();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }
}
