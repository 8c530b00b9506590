package io.gantry.runner.container;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gantry.runner.testing.BusyboxImage;
import io.gantry.runner.testing.Podman;
import io.gantry.runner.testing.TestRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A job's {@code docker} on real Podman and a real plain-HTTP registry on loopback: a login
 * registered for the job (as {@code amazon-ecr-login} registers local-ecs's) lets the job's {@code
 * docker push} reach the registry with no flag, while the host's Podman still refuses it.
 */
@Tag("containers")
class JobDockerTest {

  @RegisterExtension static TestRegistry registry = new TestRegistry();

  @TempDir Path data;

  @Test
  void aPlainHttpLoginIsWrittenForTheJobAndTrustedForItOnly() throws Exception {
    Podman podman = Podman.require();
    BusyboxImage.ensure(podman);
    Path jobDir = data.resolve("tmp/1/_docker/build");
    JobDocker docker = JobDocker.forJob(jobDir, data);
    assertThat(docker).as("Podman is installed and no Docker engine is configured").isNotNull();
    assertThat(docker.environment())
        .containsEntry("DOCKER_CONFIG", jobDir.toString())
        .containsEntry("REGISTRY_AUTH_FILE", jobDir.resolve("config.json").toString())
        .doesNotContainKey("CONTAINERS_REGISTRIES_CONF");
    // Podman stats the auth file on every pull and run: an empty one is there before any login.
    assertThat(Files.readString(jobDir.resolve("config.json")).strip()).isEqualTo("{}");

    docker.login(registry.host(), TestRegistry.USERNAME, TestRegistry.PASSWORD, true);
    assertThat(docker.environment())
        .containsEntry("CONTAINERS_REGISTRIES_CONF", jobDir.resolve("registries.conf").toString());

    JsonNode config = new ObjectMapper().readTree(jobDir.resolve("config.json").toFile());
    String auth = config.path("auths").path(registry.host()).path("auth").asText();
    assertThat(new String(Base64.getDecoder().decode(auth), StandardCharsets.UTF_8))
        .isEqualTo(TestRegistry.USERNAME + ":" + TestRegistry.PASSWORD);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(jobDir)))
        .isEqualTo("rwx------");
    assertThat(
            PosixFilePermissions.toString(
                Files.getPosixFilePermissions(jobDir.resolve("config.json"))))
        .isEqualTo("rw-------");
    assertThat(Files.readString(jobDir.resolve("registries.conf")))
        .contains("[[registry]]\nlocation = \"" + registry.host() + "\"\ninsecure = true");

    String image = registry.host() + "/tests/job-docker:1";
    podman.run("tag", BusyboxImage.NAME, image).orThrow();
    try {
      // the host's podman, without the job's configuration: not trusted, not logged in
      Result host = run(List.of("podman", "push", "-q", image), Map.of());
      assertThat(host.exit).as(host.output).isNotZero();

      Map<String, String> env = new java.util.HashMap<>(docker.environment());
      env.put("PATH", docker.binDirectory() + ":" + System.getenv("PATH"));
      Result which = run(List.of("sh", "-c", "command -v docker"), env);
      assertThat(which.output.strip())
          .isEqualTo(data.resolve("containers/bin/docker").toAbsolutePath().toString());
      // through a shell, as a step runs it (the PATH of the step, not of this JVM, finds docker)
      Result pushed = run(List.of("sh", "-c", "docker push -q \"$0\"", image), env);
      assertThat(pushed.exit).as(pushed.output).isZero();
      assertThat(registry.manifest("tests/job-docker", "1").statusCode()).isEqualTo(200);
    } finally {
      podman.run("rmi", image);
    }
  }

  @Test
  void aSecondPlainHttpRegistryIsAddedAndTheHostsEntriesAreKept() throws Exception {
    Podman.require();
    Path jobDir = data.resolve("tmp/1/_docker/deploy");
    JobDocker docker = JobDocker.forJob(jobDir, data);
    docker.login("127.0.0.1:5001", "AWS", "one", true);
    docker.login("registry.example.com", "AWS", "two", false);
    docker.login("127.0.0.1:5002", "AWS", "three", true);

    String conf = Files.readString(jobDir.resolve("registries.conf"));
    assertThat(conf)
        .contains("location = \"127.0.0.1:5001\"\ninsecure = true")
        .contains("location = \"127.0.0.1:5002\"\ninsecure = true")
        .doesNotContain("registry.example.com");
    Path host = Path.of("/etc/containers/registries.conf");
    if (Files.isReadable(host)) {
      assertThat(conf).startsWith(Files.readString(host));
    }
    JsonNode auths =
        new ObjectMapper().readTree(jobDir.resolve("config.json").toFile()).path("auths");
    assertThat(auths.fieldNames())
        .toIterable()
        .containsExactly("127.0.0.1:5001", "registry.example.com", "127.0.0.1:5002");
  }

  record Result(int exit, String output) {}

  private static Result run(List<String> command, Map<String, String> env) throws Exception {
    ProcessBuilder builder = new ProcessBuilder(new ArrayList<>(command)).redirectErrorStream(true);
    builder.environment().putAll(env);
    builder
        .environment()
        .put(
            "CONTAINERS_CONF",
            io.gantry.runner.testing.Tools.projectRoot().resolve("etc/containers.conf").toString());
    Process process = builder.start();
    process.getOutputStream().close();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(120, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IllegalStateException(command + " timed out");
    }
    return new Result(process.exitValue(), out);
  }
}
