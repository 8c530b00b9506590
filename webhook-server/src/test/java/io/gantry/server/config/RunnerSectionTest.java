package io.gantry.server.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.gantry.runner.execution.Isolation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code runner:} in gantry.yml: the server's default isolation and a repository's own. */
class RunnerSectionTest {

  @TempDir Path dir;

  private static String config(String top, String repoRunner) {
    return "server: { api-token: t }\n"
        + top
        + "repositories:\n"
        + "  - name: acme/web\n"
        + "    clone-url: file:///srv/web.git\n"
        + "    webhook-secret: s\n"
        + repoRunner
        + "  - name: acme/api\n"
        + "    clone-url: file:///srv/api.git\n"
        + "    webhook-secret: s\n";
  }

  private ServerConfig load(String text) throws Exception {
    Path file = dir.resolve("gantry.yml");
    Files.writeString(file, text);
    return new ConfigLoader(Map.<String, String>of()::get).load(file);
  }

  private String error(String text) throws Exception {
    try {
      load(text);
    } catch (ConfigException e) {
      return e.getMessage();
    }
    throw new AssertionError("no error for:\n" + text);
  }

  @Test
  void withoutARunnerSectionJobsRunOnTheHost() throws Exception {
    ServerConfig c = load(config("", ""));
    assertThat(c.repository("acme/web").orElseThrow().isolation()).isEqualTo(Isolation.HOST);
  }

  @Test
  void theTopLevelSectionIsEveryRepositorysDefaultAndARepositorysOwnWins() throws Exception {
    ServerConfig c =
        load(
            config(
                "runner: { isolation: container, image: registry.local/ci/debian:12 }\n",
                "    runner: { isolation: container, image: registry.local/ci/web@sha256:ab12 }\n"));
    assertThat(c.repository("acme/web").orElseThrow().isolation())
        .isEqualTo(Isolation.container("registry.local/ci/web@sha256:ab12"));
    assertThat(c.repository("acme/api").orElseThrow().isolation())
        .isEqualTo(Isolation.container("registry.local/ci/debian:12"));
  }

  @Test
  void aRepositoryMayOptOutOfTheDefault() throws Exception {
    ServerConfig c =
        load(
            config(
                "runner: { isolation: container, image: ci:1 }\n",
                "    runner: { isolation: none }\n"));
    assertThat(c.repository("acme/web").orElseThrow().isolation()).isEqualTo(Isolation.HOST);
    assertThat(c.repository("acme/api").orElseThrow().isolation().image()).isEqualTo("ci:1");
  }

  @Test
  void badValuesAreOneLineNamingTheKey() throws Exception {
    assertThat(error(config("runner: { isolation: vm }\n", "")))
        .endsWith("gantry.yml: runner.isolation must be none or container, got 'vm'")
        .doesNotContain("\n");
    assertThat(error(config("", "    runner: { isolation: container }\n")))
        .contains("gantry.yml: repositories[0].runner.image is required with isolation: container")
        .doesNotContain("\n");
    assertThat(error(config("runner: { image: ci:1 }\n", "")))
        .contains("runner.isolation is required: none (steps on this machine) or container");
    assertThat(error(config("", "    runner: { isolation: none, image: ci:1 }\n")))
        .contains("repositories[0].runner.image is used only with isolation: container");
    assertThat(error(config("runner: { isolation: container, image: 'ci 1' }\n", "")))
        .contains("runner.image 'ci 1' is not an image reference");
    assertThat(error(config("runner: { isolation: container, image: ci, network: none }\n", "")))
        .contains("runner")
        .contains("network")
        .doesNotContain("\n");
  }
}
