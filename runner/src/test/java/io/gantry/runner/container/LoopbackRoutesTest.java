package io.gantry.runner.container;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The route from a job network to the host's loopback under rootless Podman, which the tests (run
 * as root) cannot start: a {@code podman} script answers as rootless Podman 4.3 does here (rootless
 * {@code true}, the network's gateway inside Podman's own namespace, so nothing of the host can
 * listen there: 10.89.0.1 here, a documentation address in the test, which no host has). The
 * rootful route, a relay on the gateway, runs on real Podman in {@code DockerActionCacheTest} and
 * {@code ContainerCacheTest}.
 */
class LoopbackRoutesTest {

  @TempDir Path dir;

  private LoopbackRoutes rootless(String containersConf) throws Exception {
    Path conf = dir.resolve("containers.conf");
    Files.writeString(conf, containersConf);
    Path podman = dir.resolve("podman");
    Files.writeString(
        podman,
        """
        #!/bin/sh
        case "$1" in
          info) echo true ;;
          network) echo "198.51.100.1 " ;;
          *) exit 125 ;;
        esac
        """);
    assertThat(podman.toFile().setExecutable(true)).isTrue();
    return new LoopbackRoutes(
        new Podman(podman.toString(), Map.of("CONTAINERS_CONF", conf.toString()), dir),
        "gantry-test-net");
  }

  @Test
  void withoutHostLoopbackARootlessNetworkIsRefusedWithTheLineToAddAndWhere() throws Exception {
    LoopbackRoutes routes =
        rootless(
            "[engine]\nruntime = \"runc\"\n# network_cmd_options = [\"allow_host_loopback=true\"]\n");
    String expected =
        "under rootless Podman the job network's gateway 198.51.100.1 is inside Podman's own network"
            + " namespace, so the job's containers cannot reach http://127.0.0.1:4567 (the cache"
            + " service) on this host: "
            + (System.getenv("CONTAINERS_CONF") == null
                ? "set CONTAINERS_CONF to a containers.conf of yours whose [engine] section has"
                    + " network_cmd_options = [\"allow_host_loopback=true\"] (and the settings of "
                    + dir.resolve("containers.conf")
                    + ")"
                : "add network_cmd_options = [\"allow_host_loopback=true\"] to the [engine]"
                    + " section of "
                    + dir.resolve("containers.conf"))
            + ", or run Gantry as root";
    assertThatThrownBy(() -> routes.reachable("http://127.0.0.1:4567/"))
        .isInstanceOf(ContainerException.class)
        .hasMessage(expected);
    // asked again by the next step: the same line, without asking Podman again
    assertThatThrownBy(() -> routes.reachable("http://localhost:4567/x")).hasMessage(expected);
    assertThat(routes.reachable("https://cache.example.com/"))
        .isEqualTo("https://cache.example.com/");
  }

  @Test
  void withHostLoopbackARootlessNetworkReachesTheServiceThroughSlirp() throws Exception {
    LoopbackRoutes routes =
        rootless("[engine]\nnetwork_cmd_options = [\"allow_host_loopback=true\", \"mtu=1500\"]\n");
    assertThat(routes.reachable("http://127.0.0.1:4567/_apis/?a=b"))
        .isEqualTo("http://10.0.2.2:4567/_apis/?a=b");
    assertThat(routes.reachable("http://192.0.2.7:4567/")).isEqualTo("http://192.0.2.7:4567/");
    routes.close();
    assertThat(routes.reachable("http://127.0.0.1:4567/")).isEqualTo("http://127.0.0.1:4567/");
  }

  @Test
  void theConfigurationPodmanReadsIsCONTAINERS_CONFAloneElseTheUsualFilesInOrder() {
    assertThat(
            LoopbackRoutes.configFiles(
                Map.of(), Map.of("CONTAINERS_CONF", "/srv/c.conf", "HOME", "/home/ci")))
        .containsExactly(Path.of("/srv/c.conf"));
    assertThat(
            LoopbackRoutes.configFiles(
                Map.of("CONTAINERS_CONF", "/data/containers/containers.conf"),
                Map.of("CONTAINERS_CONF", "/srv/c.conf")))
        .containsExactly(Path.of("/data/containers/containers.conf"));
    assertThat(LoopbackRoutes.configFiles(Map.of(), Map.of("HOME", "/home/ci")))
        .isEqualTo(
            List.of(
                Path.of("/home/ci/.config/containers/containers.conf"),
                Path.of("/etc/containers/containers.conf"),
                Path.of("/usr/share/containers/containers.conf")));
    assertThat(LoopbackRoutes.configFiles(Map.of(), Map.of("XDG_CONFIG_HOME", "/x", "HOME", "/h")))
        .startsWith(Path.of("/x/containers/containers.conf"));
  }
}
