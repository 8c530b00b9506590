package io.gantry.localecs;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The official AWS CLI v2 (Debian's awscli, scripts/setup) pointed at local-ecs. */
final class AwsCli {

  /** What a finished command printed, and its exit code. */
  record Result(int exitCode, String stdout, String stderr) {}

  private final String binary;
  private final URI endpoint;

  private AwsCli(String binary, URI endpoint) {
    this.binary = binary;
    this.endpoint = endpoint;
  }

  /** The CLI v2 for this endpoint; skipped without it (failing with CI=true). */
  static AwsCli at(URI endpoint) {
    String found = null;
    List<String> candidates = new ArrayList<>(List.of("/usr/bin/aws"));
    String which = Engines.which("aws");
    if (which != null) {
      candidates.add(which);
    }
    for (String candidate : candidates) {
      if (Files.isExecutable(Path.of(candidate)) && version(candidate).startsWith("aws-cli/2")) {
        found = candidate;
        break;
      }
    }
    if ("true".equals(System.getenv("CI")) && found == null) {
      throw new AssertionError("CI=true but the AWS CLI v2 is missing; run scripts/setup (awscli)");
    }
    assumeTrue(found != null, "the AWS CLI v2 is needed (Debian's awscli, scripts/setup)");
    return new AwsCli(found, endpoint);
  }

  private static String version(String binary) {
    try {
      Process p = new ProcessBuilder(binary, "--version").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      p.waitFor(60, TimeUnit.SECONDS);
      return out.strip();
    } catch (IOException e) {
      return "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    }
  }

  ProcessBuilder command(String... args) {
    List<String> argv = new ArrayList<>();
    argv.add(binary);
    argv.addAll(List.of(args));
    argv.addAll(
        List.of("--endpoint-url", endpoint.toString(), "--region", "us-east-1", "--no-cli-pager"));
    ProcessBuilder builder = new ProcessBuilder(argv);
    Map<String, String> env = builder.environment();
    env.put("AWS_ACCESS_KEY_ID", "local-ecs");
    env.put("AWS_SECRET_ACCESS_KEY", "local-ecs");
    env.put("AWS_EC2_METADATA_DISABLED", "true");
    env.put("AWS_CONFIG_FILE", "/dev/null");
    env.put("AWS_SHARED_CREDENTIALS_FILE", "/dev/null");
    env.remove("AWS_PROFILE");
    return builder;
  }

  Result run(String... args) throws IOException, InterruptedException {
    Process p = command(args).start();
    var err = new java.io.ByteArrayOutputStream();
    Thread errors =
        new Thread(
            () -> {
              try {
                p.getErrorStream().transferTo(err);
              } catch (IOException e) {
                // ended
              }
            });
    errors.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
    }
    errors.join();
    return new Result(p.exitValue(), out, err.toString(StandardCharsets.UTF_8));
  }
}
