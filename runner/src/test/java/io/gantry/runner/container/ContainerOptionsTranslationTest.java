package io.gantry.runner.container;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gantry.engine.ContainerEngine;
import io.gantry.runner.testing.BusyboxImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The rarer {@code options:} flags of a service or job container, created through the engine and
 * read back with {@code podman inspect}: what the container has is what the flag asked for. And the
 * flags Gantry does not pass through are refused, with the container named, before anything starts.
 */
@Tag("containers")
class ContainerOptionsTranslationTest {

  static io.gantry.runner.testing.Podman podman;

  @TempDir Path data;
  final List<String> created = new ArrayList<>();

  @BeforeAll
  static void images() throws Exception {
    podman = io.gantry.runner.testing.Podman.require();
    BusyboxImage.ensure(podman);
  }

  @AfterEach
  void removeContainers() throws Exception {
    for (String name : created) {
      podman.run("rm", "-f", "-t", "0", name);
    }
  }

  /** Creates the service's container through the engine and returns {@code podman inspect}'s. */
  JsonNode create(String options) throws Exception {
    ContainerSettings settings =
        new ContainerSettings(
            "db",
            BusyboxImage.WEB,
            null,
            null,
            Map.of("FROM_ENV_KEY", "from-env"),
            List.of(),
            List.of(),
            options);
    CreateSpecs.check(settings);
    String name = "gantry-options-test-" + ProcessHandle.current().pid() + "-" + created.size();
    created.add(name);
    ContainerEngine engine = Podman.locate(data).engine();
    engine.create(
        CreateSpecs.of(
            settings,
            new CreateSpecs.Base(
                name,
                null,
                List.of(),
                Map.of("io.gantry.test", "options"),
                List.of(),
                List.of(),
                null,
                null,
                List.of("300"))));
    String json = podman.run("container", "inspect", name).orThrow().out();
    return new ObjectMapper().readTree(json).get(0);
  }

  @Test
  void theRarerFlagsPassedThroughAreWhatTheCreatedContainerHas() throws Exception {
    JsonNode c =
        create(
            """
            --health-cmd "wget -q -O /dev/null http://127.0.0.1:8080/" --health-interval 2s
            --health-timeout 3s --health-retries 4 --health-start-period 1m30s
            --user 1000:1000 --entrypoint /bin/sleep --hostname svc-host -w /tmp
            -e GREETING=hi --env "SPACED=a b" --label team=ci --label io.gantry.test=overridden
            --tmpfs /scratch:rw,size=1m --cpus 0.5 --memory 64m --memory-reservation 32m
            --shm-size 8m --add-host db.local:10.0.0.5 --ulimit nofile=512:1024
            --stop-timeout 7 --init --read-only
            """);
    JsonNode config = c.path("Config");
    JsonNode host = c.path("HostConfig");
    assertThat(config.path("User").asText()).isEqualTo("1000:1000");
    assertThat(config.path("Entrypoint").toString()).contains("/bin/sleep");
    // as with docker create, an --entrypoint drops the command (the image's, or Gantry's "300")
    assertThat(config.path("Cmd").toString()).doesNotContain("300");
    assertThat(config.path("Hostname").asText()).isEqualTo("svc-host");
    assertThat(config.path("WorkingDir").asText()).isEqualTo("/tmp");
    List<String> env = new ArrayList<>();
    config.path("Env").forEach(e -> env.add(e.asText()));
    assertThat(env).contains("GREETING=hi", "SPACED=a b", "FROM_ENV_KEY=from-env");
    assertThat(config.path("Labels").path("team").asText()).isEqualTo("ci");
    // Gantry's own labels win over the options' (they are how its containers are found again)
    assertThat(config.path("Labels").path("io.gantry.test").asText()).isEqualTo("options");
    assertThat(config.path("StopTimeout").asInt()).isEqualTo(7);
    JsonNode health = config.path("Healthcheck");
    assertThat(health.path("Test").toString())
        .isEqualTo("[\"CMD-SHELL\",\"wget -q -O /dev/null http://127.0.0.1:8080/\"]");
    assertThat(health.path("Interval").asLong()).isEqualTo(2_000_000_000L);
    assertThat(health.path("Timeout").asLong()).isEqualTo(3_000_000_000L);
    assertThat(health.path("StartPeriod").asLong()).isEqualTo(90_000_000_000L);
    assertThat(health.path("Retries").asInt()).isEqualTo(4);
    assertThat(host.path("Tmpfs").path("/scratch").asText()).contains("size=1m");
    assertThat(
            host.path("NanoCpus").asLong() == 500_000_000L
                || host.path("CpuQuota").asLong() * 2 == host.path("CpuPeriod").asLong())
        .as("half a CPU: %s", host)
        .isTrue();
    assertThat(host.path("Memory").asLong()).isEqualTo(64L << 20);
    assertThat(host.path("MemoryReservation").asLong()).isEqualTo(32L << 20);
    assertThat(host.path("ShmSize").asLong()).isEqualTo(8L << 20);
    assertThat(host.path("ExtraHosts").toString()).contains("db.local:10.0.0.5");
    assertThat(host.path("Ulimits").toString())
        .contains("NOFILE")
        .contains("\"Soft\":512")
        .contains("\"Hard\":1024");
    assertThat(host.path("Init").asBoolean()).isTrue();
    assertThat(host.path("ReadonlyRootfs").asBoolean()).isTrue();
  }

  @Test
  void flagsGantryDoesNotPassThroughAreRefusedInOneLineNamingTheServiceBeforeAnythingStarts() {
    for (String options :
        List.of(
            "--privileged",
            "--network-alias db2",
            "--cap-add NET_ADMIN",
            "-v /etc:/host-etc",
            // Docker would copy Gantry's own HOME into the container
            "-e HOME",
            "--memory lots",
            "--health-interval 5")) {
      ContainerSettings settings =
          new ContainerSettings(
              "db", BusyboxImage.WEB, null, null, Map.of(), List.of(), List.of(), options);
      assertThatThrownBy(() -> CreateSpecs.check(settings))
          .as(options)
          .isInstanceOf(ContainerException.class)
          .hasMessageStartingWith("service 'db' (" + BusyboxImage.WEB + "): options: option '")
          .hasMessageNotContaining("\n");
    }
  }
}
