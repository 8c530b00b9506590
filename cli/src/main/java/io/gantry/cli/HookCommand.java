package io.gantry.cli;

import io.gantry.server.forge.PostReceiveClient;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
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
    subcommands = {HookCommand.PostReceive.class})
final class HookCommand {

  @Command(
      name = "post-receive",
      mixinStandardHelpOptions = true,
      description = {
        "Reads git's post-receive lines (<old> <new> <ref>) from standard input and sends one signed",
        "delivery per ref to the server's /hooks/git. The secret comes from GANTRY_HOOK_SECRET.",
        "Install as hooks/post-receive of the bare repository:",
        "  #!/bin/sh",
        "  exec gantry hook post-receive --server http://127.0.0.1:8080 --repo acme/web"
      })
  static final class PostReceive implements Callable<Integer> {
    static final String SECRET = "GANTRY_HOOK_SECRET";

    @Spec CommandSpec spec;

    @Option(names = "--server", required = true, paramLabel = "URL", description = "The Gantry server.")
    String server;

    @Option(names = "--repo", required = true, paramLabel = "NAME", description = "owner/name as configured.")
    String repository;

    @Override
    public Integer call() {
      String secret = System.getenv(SECRET);
      if (secret == null || secret.isBlank()) {
        spec.commandLine()
            .getErr()
            .println("gantry hook post-receive: export " + SECRET + " with the repository's webhook-secret");
        return Gantry.BAD_INPUT;
      }
      return new PostReceiveClient()
          .send(
              server,
              repository,
              secret,
              new InputStreamReader(System.in, StandardCharsets.UTF_8),
              spec.commandLine().getOut(),
              spec.commandLine().getErr());
    }
  }
}
