package io.gantry.engine;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.PullImageCmd;
import com.github.dockerjava.api.command.PullImageResultCallback;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.exception.NotModifiedException;
import com.github.dockerjava.api.model.AuthConfig;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.zerodep.ZerodepDockerHttpClient;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** {@link ContainerEngine} over the Docker Engine API (Podman's compatible service or Docker). */
public final class DockerEngine implements ContainerEngine {

  private final DockerClient client;
  private final PodmanApi podmanApi;
  private final DockerLogStreams logStreams;

  /** Connects to the engine at {@code dockerHost} ({@code unix:///path.sock} or tcp://...). */
  public DockerEngine(String dockerHost) {
    DefaultDockerClientConfig config =
        DefaultDockerClientConfig.createDefaultConfigBuilder().withDockerHost(dockerHost).build();
    ZerodepDockerHttpClient http =
        new ZerodepDockerHttpClient.Builder()
            .dockerHost(URI.create(dockerHost))
            .maxConnections(32)
            .connectionTimeout(Duration.ofSeconds(10))
            .responseTimeout(Duration.ofMinutes(10))
            .build();
    this.client = DockerClientImpl.getInstance(config, http);
    this.podmanApi = new PodmanApi(URI.create(dockerHost));
    this.logStreams = new DockerLogStreams(URI.create(dockerHost));
  }

  /** Podman answers its own API's ping; a Docker engine does not have it. */
  public boolean isPodman() {
    return podmanApi.isPodman();
  }

  /** Answers once the engine responds to a ping, or throws after the timeout. */
  public void awaitReady(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    RuntimeException last = null;
    while (System.nanoTime() < deadline) {
      try {
        client.pingCmd().exec();
        return;
      } catch (RuntimeException e) {
        last = e;
        sleep(50);
      }
    }
    throw new EngineException(
        "the container engine did not answer within " + timeout.toSeconds() + " s: " + msg(last),
        last);
  }

  /** Through a raw request, not docker-java's image inspection (see {@link ContainerJson}). */
  @Override
  public boolean imageExists(String image) {
    return podmanApi.imageExists(image);
  }

  @Override
  public void pull(String image, RegistryCredentials credentials) {
    pull(image, credentials, Duration.ofMinutes(10));
  }

  private void pull(String image, RegistryCredentials credentials, Duration timeout) {
    ImageName name = ImageName.parse(image);
    PullImageCmd pull = client.pullImageCmd(name.repository());
    if (name.digest() != null) {
      pull = client.pullImageCmd(name.repository() + "@" + name.digest());
    } else {
      pull.withTag(name.tag());
    }
    if (credentials != null) {
      pull.withAuthConfig(
          new AuthConfig()
              .withRegistryAddress(credentials.registry())
              .withUsername(credentials.username())
              .withPassword(credentials.password()));
    }
    PullImageResultCallback callback = null;
    try {
      callback = pull.exec(new PullImageResultCallback());
      if (!callback.awaitCompletion(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        closeQuietly(callback);
        throw new EngineException(
            "the pull of " + image + " did not finish within " + seconds(timeout), null);
      }
    } catch (InterruptedException e) {
      if (callback != null) {
        closeQuietly(callback);
      }
      Thread.currentThread().interrupt();
      throw new EngineException("pull of " + image + " interrupted", e);
    } catch (RuntimeException e) {
      throw wrap(e);
    }
    if (!imageExists(image)) {
      throw new EngineException("pull of " + image + " finished but the image is not there", null);
    }
  }

  @Override
  public String create(ContainerSpec spec) {
    try {
      return ContainerCreate.command(client, spec, isPodman()).exec().getId();
    } catch (RuntimeException e) {
      throw wrap(e);
    }
  }

  @Override
  public void start(String id) {
    try {
      client.startContainerCmd(id).exec();
    } catch (NotModifiedException e) {
      // already running
    } catch (RuntimeException e) {
      throw wrap(e);
    }
  }

  @Override
  public void stop(String id, Duration timeout) {
    try {
      client.stopContainerCmd(id).withTimeout((int) Math.max(0, timeout.toSeconds())).exec();
    } catch (NotModifiedException | NotFoundException e) {
      // already stopped or gone
    } catch (RuntimeException e) {
      throw wrap(e);
    }
  }

  @Override
  public void remove(String id) {
    try {
      client.removeContainerCmd(id).withForce(true).withRemoveVolumes(true).exec();
    } catch (NotFoundException e) {
      // gone already
    } catch (RuntimeException e) {
      throw wrap(e);
    }
  }

  /** Read as a tree, not bound to docker-java's model ({@link ContainerJson}). */
  @Override
  public ContainerStatus inspect(String id) {
    var container = podmanApi.inspect(id);
    return container == null ? null : ContainerJson.status(container);
  }

  @Override
  public List<ContainerStatus> list(Map<String, String> labels) {
    List<Container> containers;
    try {
      containers = client.listContainersCmd().withShowAll(true).withLabelFilter(labels).exec();
    } catch (RuntimeException e) {
      throw wrap(e);
    }
    List<ContainerStatus> result = new ArrayList<>();
    for (Container c : containers) {
      String name =
          c.getNames() != null && c.getNames().length > 0
              ? c.getNames()[0].replaceFirst("^/", "")
              : null;
      result.add(
          new ContainerStatus(
              c.getId(),
              name,
              c.getLabels() == null ? Map.of() : c.getLabels(),
              "running".equalsIgnoreCase(c.getState()),
              null,
              null,
              Map.of(),
              c.getImageId(),
              null,
              null));
    }
    return result;
  }

  @Override
  public ExecResult exec(String id, List<String> command, Duration timeout) {
    try {
      String execId =
          client
              .execCreateCmd(id)
              .withCmd(command.toArray(String[]::new))
              .withAttachStdout(true)
              .withAttachStderr(true)
              .exec()
              .getId();
      StringBuilder output = new StringBuilder();
      ResultCallback.Adapter<Frame> callback =
          client
              .execStartCmd(execId)
              .exec(
                  new ResultCallback.Adapter<>() {
                    @Override
                    public void onNext(Frame frame) {
                      synchronized (output) {
                        if (output.length() < 8192) {
                          output.append(new String(frame.getPayload(), StandardCharsets.UTF_8));
                        }
                      }
                    }
                  });
      boolean finished = callback.awaitCompletion(timeout.toMillis(), TimeUnit.MILLISECONDS);
      if (!finished) {
        closeQuietly(callback);
        return new ExecResult(-1, "timed out after " + timeout.toMillis() + " ms");
      }
      Long exit = client.inspectExecCmd(execId).exec().getExitCodeLong();
      synchronized (output) {
        return new ExecResult(exit == null ? -1 : exit.intValue(), output.toString());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new ExecResult(-1, "interrupted");
    } catch (RuntimeException e) {
      throw wrap(e);
    }
  }

  /**
   * On Podman, its healthcheck endpoint: an exec through the compatible API leaves the exec
   * session's conmon pair running for {@code exit_command_delay} (5 minutes; Docker keeps exec
   * sessions that long for their inspection), about 120 processes per container at a 5 s interval,
   * whereas Podman's own check removes its session as soon as it has ended. A container created
   * without the check (by an earlier local-ecs) and Docker engines get an exec.
   */
  @Override
  public ExecResult check(String id, HealthCheckSpec check) {
    if (isPodman()) {
      ExecResult result = podmanApi.healthcheck(id);
      if (result != null) {
        return result;
      }
    }
    return exec(id, check.execCommand(), check.timeout());
  }

  @Override
  public ContainerStats stats(String id) {
    return podmanApi.stats(id);
  }

  @Override
  public String logs(String id) {
    StringBuilder output = new StringBuilder();
    try {
      client
          .logContainerCmd(id)
          .withStdOut(true)
          .withStdErr(true)
          .withFollowStream(false)
          .exec(
              new ResultCallback.Adapter<Frame>() {
                @Override
                public void onNext(Frame frame) {
                  synchronized (output) {
                    output.append(new String(frame.getPayload(), StandardCharsets.UTF_8));
                  }
                }
              })
          .awaitCompletion(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (NotFoundException e) {
      return "";
    } catch (RuntimeException e) {
      throw wrap(e);
    }
    synchronized (output) {
      return output.toString();
    }
  }

  @Override
  public AutoCloseable follow(String id, Consumer<String> lines, Runnable ended) {
    return logStreams.follow(id, lines, ended);
  }

  @Override
  public void createNetwork(String name, Map<String, String> labels) {
    try {
      client.createNetworkCmd().withName(name).withDriver("bridge").withLabels(labels).exec();
    } catch (com.github.dockerjava.api.exception.ConflictException e) {
      // there already
    } catch (RuntimeException e) {
      throw wrap(e);
    }
  }

  @Override
  public void removeNetwork(String name) {
    try {
      client.removeNetworkCmd(name).exec();
    } catch (NotFoundException e) {
      // gone already
    } catch (RuntimeException e) {
      throw wrap(e);
    }
  }

  @Override
  public List<String> networks(Map<String, String> labels) {
    List<String> names = new ArrayList<>();
    try {
      var list = client.listNetworksCmd();
      labels.forEach((k, v) -> list.withFilter("label", List.of(k + "=" + v)));
      for (var network : list.exec()) {
        Map<String, String> own = network.getLabels() == null ? Map.of() : network.getLabels();
        // the filters are ANDed by Docker and ORed by some Podman versions: check each
        if (own.entrySet().containsAll(labels.entrySet())) {
          names.add(network.getName());
        }
      }
    } catch (RuntimeException e) {
      throw wrap(e);
    }
    return names;
  }

  /** On Podman through its own pull endpoint, which takes {@code tlsVerify}. */
  @Override
  public void pull(String image, RegistryCredentials credentials, boolean tlsVerify) {
    pull(image, credentials, tlsVerify, Duration.ofMinutes(10));
  }

  @Override
  public void pull(
      String image, RegistryCredentials credentials, boolean tlsVerify, Duration timeout) {
    if (!isPodman()) {
      pull(image, credentials, timeout);
      return;
    }
    podmanApi.pull(image, credentials, tlsVerify, timeout);
  }

  /** "3 s", or "1500 ms" below ten seconds when not whole. */
  static String seconds(Duration d) {
    return d.toMillis() % 1000 == 0 || d.toSeconds() >= 10
        ? d.toSeconds() + " s"
        : d.toMillis() + " ms";
  }

  @Override
  public String lastHealthCheck(String id) {
    var container = podmanApi.inspect(id);
    return container == null ? null : ContainerJson.lastHealthCheck(container);
  }

  /** Loads an image archive in {@code docker save} format into the engine's storage. */
  public void load(InputStream archive) {
    try {
      client.loadImageCmd(archive).exec();
    } catch (RuntimeException e) {
      throw wrap(e);
    }
  }

  @Override
  public void close() {
    try {
      client.close();
      logStreams.close();
    } catch (IOException e) {
      // closing the connection pool; nothing to recover
    }
  }

  public static EngineException wrap(RuntimeException e) {
    return e instanceof EngineException ee ? ee : new EngineException(msg(e), e);
  }

  public static String msg(Throwable e) {
    if (e == null) {
      return "no answer";
    }
    String message = e.getMessage();
    if (e instanceof DockerException de && message != null) {
      // "Status 500: {"cause":"...","message":"...","response":500}" -> the message
      int at = message.indexOf("\"message\":\"");
      if (at >= 0) {
        int end = message.indexOf("\",\"", at + 11);
        message = message.substring(at + 11, end > 0 ? end : message.length());
      }
    }
    if (message == null || message.isBlank()) {
      message = e.getClass().getSimpleName();
    }
    return message.replace('\n', ' ').strip();
  }

  private static void closeQuietly(AutoCloseable closeable) {
    try {
      closeable.close();
    } catch (Exception e) {
      // best effort
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
