package io.gantry.cli;

import io.gantry.server.forge.PostReceiveClient;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code gantry hook}: git hooks of self-hosted bare repositories. */
@Command(
    name = "hook",
    mixinStandardHelpOptions = true,
    description = "Git hooks for self-hosted bare repositories.",
    subcommands = {HookCommand.PostReceive.class, HookCommand.Flush.class})
final class HookCommand {

  @Command(
      name = "post-receive",
      mixinStandardHelpOptions = true,
      description = {
        "Reads git's post-receive lines (<old> <new> <ref>) from standard input and sends one signed",
        "delivery per ref to the server's /hooks/git. The secret comes from GANTRY_HOOK_SECRET.",
        "A delivery the server cannot take now (down, 429, 5xx) is kept in the spool and sent",
        "first on the next push, or by 'gantry hook flush'.",
        "Install as hooks/post-receive of the bare repository:",
        "  #!/bin/sh",
        "  exec gantry hook post-receive --server http://127.0.0.1:8080 --repo acme/web"
      })
  static final class PostReceive implements Callable<Integer> {
    static final String SECRET = "GANTRY_HOOK_SECRET";

    @Spec CommandSpec spec;

    @Option(
        names = "--server",
        required = true,
        paramLabel = "URL",
        description = "The Gantry server.")
    String server;

    @Option(
        names = "--repo",
        required = true,
        paramLabel = "NAME",
        description = "owner/name as configured.")
    String repository;

    @Option(names = "--spool", paramLabel = "DIR", description = SPOOL_HELP)
    Path spool;

    @Override
    public Integer call() {
      String secret = System.getenv(SECRET);
      if (secret == null || secret.isBlank()) {
        spec.commandLine()
            .getErr()
            .println(
                "gantry hook post-receive: export "
                    + SECRET
                    + " with the repository's webhook-secret");
        return Gantry.BAD_INPUT;
      }
      return new PostReceiveClient()
          .send(
              server,
              repository,
              secret,
              spoolOrDefault(spool),
              new InputStreamReader(System.in, StandardCharsets.UTF_8),
              spec.commandLine().getOut(),
              spec.commandLine().getErr());
    }
  }

  static final String SPOOL_HELP =
      "Where undelivered deliveries are kept (default: gantry-spool in the repository, $GIT_DIR).";

  /** The bare repository's own folder: git runs hooks there with GIT_DIR set. */
  static Path spoolOrDefault(Path spool) {
    if (spool != null) {
      return spool;
    }
    String gitDir = System.getenv("GIT_DIR");
    return Path.of(gitDir == null || gitDir.isBlank() ? "." : gitDir).resolve("gantry-spool");
  }

  @Command(
      name = "flush",
      mixinStandardHelpOptions = true,
      description = {
        "Sends the deliveries the post-receive hook kept because the server could not take them,",
        "oldest first. Run it in the bare repository (or give --spool). Exit 0 when none is left."
      })
  static final class Flush implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(
        names = "--server",
        required = true,
        paramLabel = "URL",
        description = "The Gantry server.")
    String server;

    @Option(
        names = "--repo",
        required = true,
        paramLabel = "NAME",
        description = "owner/name as configured.")
    String repository;

    @Option(names = "--spool", paramLabel = "DIR", description = SPOOL_HELP)
    Path spool;

    @Override
    public Integer call() {
      String secret = System.getenv(PostReceive.SECRET);
      if (secret == null || secret.isBlank()) {
        spec.commandLine()
            .getErr()
            .println(
                "gantry hook flush: export "
                    + PostReceive.SECRET
                    + " with the repository's webhook-secret");
        return Gantry.BAD_INPUT;
      }
      return new PostReceiveClient()
          .flush(
              server,
              repository,
              secret,
              spoolOrDefault(spool),
              spec.commandLine().getOut(),
              spec.commandLine().getErr());
    }
  }
}
