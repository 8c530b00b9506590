package io.gantry.engine;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.HealthCheck;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.InternetProtocol;
import com.github.dockerjava.api.model.Ports;
import com.github.dockerjava.api.model.Ulimit;
import io.gantry.engine.ContainerEngine.ContainerSpec;
import io.gantry.engine.ContainerEngine.CreateOptions;
import io.gantry.engine.ContainerEngine.HealthCheckSpec;
import io.gantry.engine.ContainerEngine.PortMapping;
import java.util.ArrayList;
import java.util.List;

/** The engine's create command for a {@link ContainerSpec}. */
final class ContainerCreate {

  private ContainerCreate() {}

  static CreateContainerCmd command(DockerClient client, ContainerSpec spec, boolean podman) {
    List<ExposedPort> exposed = new ArrayList<>();
    Ports bindings = new Ports();
    for (PortMapping port : spec.ports()) {
      ExposedPort exposedPort =
          new ExposedPort(port.containerPort(), InternetProtocol.parse(port.protocol()));
      exposed.add(exposedPort);
      bindings.bind(
          exposedPort,
          port.hostPort() == 0
              ? Ports.Binding.bindIp("127.0.0.1")
              : Ports.Binding.bindIpAndPort("127.0.0.1", port.hostPort()));
    }
    HostConfig host = HostConfig.newHostConfig().withPortBindings(bindings);
    if (spec.network() != null) {
      host.withNetworkMode(spec.network());
    }
    if (spec.memoryBytes() != null) {
      host.withMemory(spec.memoryBytes());
    }
    if (spec.memoryReservationBytes() != null) {
      host.withMemoryReservation(spec.memoryReservationBytes());
    }
    if (spec.cpuShares() != null && spec.cpuShares() >= 2) {
      host.withCpuShares(spec.cpuShares());
    }
    CreateContainerCmd create =
        client
            .createContainerCmd(spec.image())
            .withName(spec.name())
            .withLabels(spec.labels())
            .withExposedPorts(exposed)
            .withHostConfig(host);
    if (spec.entryPoint() != null) {
      create.withEntrypoint(spec.entryPoint());
    }
    if (spec.command() != null) {
      create.withCmd(spec.command());
    }
    if (spec.environment() != null) {
      create.withEnv(spec.environment());
    }
    if (spec.workingDirectory() != null) {
      create.withWorkingDir(spec.workingDirectory());
    }
    if (spec.user() != null) {
      create.withUser(spec.user());
    }
    if (spec.stopTimeoutSeconds() != null) {
      create.withStopTimeout(spec.stopTimeoutSeconds());
    }
    HealthCheckSpec check = spec.healthCheck();
    if (check != null && podman) {
      // Podman runs it on request (see check()); without systemd it starts no timer of its own.
      // A Docker engine would run it on its own as well, so there it is left out.
      create.withHealthcheck(
          new HealthCheck()
              .withTest(check.test())
              .withInterval(check.interval().toNanos())
              .withTimeout(check.timeout().toNanos())
              .withRetries(check.retries())
              .withStartPeriod(check.startPeriod().toNanos()));
    }
    if (spec.options() != null) {
      apply(create, host, spec.options());
    }
    return create;
  }

  private static void apply(CreateContainerCmd create, HostConfig host, CreateOptions options) {
    if (!options.networkAliases().isEmpty()) {
      create.withAliases(options.networkAliases());
    }
    if (!options.binds().isEmpty()) {
      host.withBinds(options.binds().stream().map(Bind::parse).toList());
    }
    if (options.hostname() != null) {
      create.withHostName(options.hostname());
    }
    if (options.shmSizeBytes() != null) {
      host.withShmSize(options.shmSizeBytes());
    }
    if (options.nanoCpus() != null) {
      host.withNanoCPUs(options.nanoCpus());
    }
    if (!options.tmpfs().isEmpty()) {
      host.withTmpFs(options.tmpfs());
    }
    if (!options.ulimits().isEmpty()) {
      List<Ulimit> ulimits = new ArrayList<>();
      for (String u : options.ulimits()) {
        String[] nameValues = u.split("=", 2);
        String[] values = nameValues[1].split(":", 2);
        long soft = Long.parseLong(values[0]);
        long hard = values.length > 1 ? Long.parseLong(values[1]) : soft;
        ulimits.add(new Ulimit(nameValues[0], soft, hard));
      }
      host.withUlimits(ulimits);
    }
    if (!options.extraHosts().isEmpty()) {
      host.withExtraHosts(options.extraHosts().toArray(String[]::new));
    }
    if (options.init()) {
      host.withInit(true);
    }
    if (options.readOnly()) {
      host.withReadonlyRootfs(true);
    }
  }
}
