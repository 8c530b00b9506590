package io.gantry.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.gantry.cli.Gantry;
import io.gantry.runner.testing.Podman;
import io.gantry.runner.testing.TestRegistry;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The example service's image, end to end through the real CLI: {@code gantry base-image} pushes a
 * Java runtime built from this machine's JDK to a real registry, {@code gantry run} with {@code
 * --var IMAGE_REGISTRY} runs the workflow's image job ({@code gantry/build-image}), and the pushed
 * image runs in Podman and answers its health check with the commit it was built from.
 */
@Tag("containers")
class JavaServiceImageTest {

  @RegisterExtension static final TestRegistry registry = new TestRegistry();

  private static final String SHA = "feedc0de00000000000000000000000000000002";

  @TempDir Path data;

  @Test
  void theWorkflowBuildsAndPushesTheServiceImageWhichRunsInPodman() throws Exception {
    Podman podman = Podman.require();
    StringWriter baseOut = new StringWriter();
    StringWriter baseErr = new StringWriter();
    int baseExit;
    InputStream stdin = System.in;
    try {
      System.setIn(
          new ByteArrayInputStream(TestRegistry.PASSWORD.getBytes(StandardCharsets.UTF_8)));
      baseExit =
          Gantry.execute(
              new PrintWriter(baseOut, true),
              new PrintWriter(baseErr, true),
              "base-image",
              registry.host() + "/java-base",
              "--username",
              TestRegistry.USERNAME,
              "--password-stdin",
              "--data-dir",
              data.toString());
    } finally {
      System.setIn(stdin);
    }
    assertThat(baseExit).as("base-image: %s%n%s", baseOut, baseErr).isZero();
    assertThat(baseOut.toString().strip())
        .containsPattern(Pattern.quote(registry.host()) + "/java-base@sha256:[0-9a-f]{64}$");

    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit =
        Gantry.execute(
            new PrintWriter(out, true),
            new PrintWriter(err, true),
            "run",
            Path.of("java-service").toAbsolutePath().toString(),
            "--ref",
            "refs/heads/topic",
            "--sha",
            SHA,
            "--data-dir",
            data.toString(),
            "--var",
            "IMAGE_REGISTRY=" + registry.host(),
            "--var",
            "REGISTRY_USERNAME=" + TestRegistry.USERNAME,
            "--secret",
            "REGISTRY_PASSWORD=" + TestRegistry.PASSWORD,
            "--secret",
            "DEMO_TOKEN=tok-2718281828");

    String console = out.toString();
    assertThat(exit).as("exit code; stdout:%n%s%nstderr:%n%s", console, err).isZero();
    assertThat(console).contains("✓ ci · run #1: success").doesNotContain(TestRegistry.PASSWORD);
    Matcher pushed =
        Pattern.compile(
                "pushed (" + Pattern.quote(registry.host()) + "/hello-service@sha256:[0-9a-f]{64})")
            .matcher(console);
    assertThat(pushed.find()).as(console).isTrue();
    String image = pushed.group(1);
    assertThat(
            registry.manifest("hello-service", SHA).headers().firstValue("Docker-Content-Digest"))
        .hasValue(image.substring(image.indexOf('@') + 1));

    podman.pull(image, TestRegistry.USERNAME, TestRegistry.PASSWORD);
    Podman.Container container = podman.start(image, 8080);
    try {
      assertThat(podman.httpGet(container, "/health"))
          .isEqualTo("{\"status\":\"UP\",\"version\":\"" + SHA + "\"}");
      assertThat(podman.httpGet(container, "/?name=Podman")).isEqualTo("Hello, Podman!");
    } finally {
      podman.removeContainer(container);
      podman.removeImage(image);
    }
  }
}
