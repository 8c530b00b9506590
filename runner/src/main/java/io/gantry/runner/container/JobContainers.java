package io.gantry.runner.container;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The containers of one job: its network, its service containers and its job container, started
 * before the first step and removed when the job ends, exactly once, however it ends.
 *
 * <p>Contract: {@link #start} either returns with every service healthy and the job container
 * running, or throws a {@link ContainerException} whose message is one line naming the job and the
 * container, having removed whatever it started. {@link #close} removes everything and never
 * throws. Everything carries Gantry's labels, so a crash leaves nothing {@link Orphans} cannot
 * find.
 */
public final class JobContainers implements AutoCloseable {

  static final Duration COMMAND_TIMEOUT = Duration.ofMinutes(2);
  static final Duration PULL_TIMEOUT = Duration.ofMinutes(15);

  /**
   * What to start.
   *
   * @param container the job container, or null
   * @param services by id, in the order to start them
   * @param deadline {@link System#nanoTime()} past which waiting gives up (the job's timeout)
   * @param log lines for the job's set-up log
   * @param actions the action cache, mounted read-only at {@code /__w/_actions} so JavaScript and
   *     composite actions run in the job container find their files; null for none
   * @param hostNode the host's Node.js, mounted at {@code /__e/node} when the image has no {@code
   *     node} of its own; null for none
   */
  public record Request(
      Path dataDir,
      long runId,
      String jobKey,
      String jobId,
      ContainerSettings container,
      Map<String, ContainerSettings> services,
      Path workspace,
      String workspaceName,
      Path runnerTemp,
      Path toolCache,
      long deadline,
      BooleanSupplier cancelled,
      Consumer<String> log,
      Path actions,
      Path hostNode) {}

  private final Podman podman;
  private final Request request;
  private final String store;
  private final String network;
  private final List<String> created = new ArrayList<>();
  private final Map<String, Map<String, Object>> servicesContext = new LinkedHashMap<>();
  private JobContainer jobContainer;
  private boolean networkCreated;
  private boolean closed;

  /** Relays to the host's loopback services, by the service's port ({@link #reachable}). */
  private final Map<Integer, GatewayRelay> relays = new LinkedHashMap<>();

  /** Why the network's containers cannot reach the host's loopback services, once known. */
  private String unreachable;

  private JobContainers(Podman podman, Request request) {
    this.podman = podman;
    this.request = request;
    this.store = Labels.store(request.dataDir());
    this.network =
        Labels.network(
            store,
            request.runId(),
            Integer.toHexString(ThreadLocalRandom.current().nextInt(0x100000, 0xFFFFFF)));
  }

  /** Starts the job's network, services (each waited for) and job container. */
  public static JobContainers start(Podman podman, Request request) {
    JobContainers containers = new JobContainers(podman, request);
    try {
      containers.startAll();
      return containers;
    } catch (RuntimeException e) {
      containers.close();
      throw e;
    }
  }

  private void startAll() {
    Podman.Result net =
        podman.run(
            COMMAND_TIMEOUT,
            concat(
                List.of("network", "create"),
                Labels.args(store, request.runId(), request.jobKey(), "network"),
                List.of(network)));
    if (!net.ok()) {
      throw new ContainerException("cannot create the job's network: " + net.error());
    }
    networkCreated = true;
    Images images = new Images(podman, request.runnerTemp());
    List<Service> started = new ArrayList<>();
    for (Map.Entry<String, ContainerSettings> e : request.services().entrySet()) {
      ContainerSettings s = e.getValue();
      images.ensure(s, request.cancelled());
      request.log().accept("Starting service '" + e.getKey() + "' (" + s.image() + ")");
      Service service = Service.run(podman, s, network, name(e.getKey()), labels("service"));
      created.add(service.id());
      started.add(service);
    }
    for (Service service : started) {
      service.awaitHealthy(podman, request.deadline(), request.cancelled(), request.log());
      servicesContext.put(service.settings().name(), service.context(network));
    }
    if (request.container() != null) {
      images.ensure(request.container(), request.cancelled());
      request.log().accept("Starting job container (" + request.container().image() + ")");
      jobContainer =
          JobContainer.run(
              podman, request, network, name("job"), labels("job"), created::add, this::reachable);
    }
  }

  private String name(String role) {
    return "gantry-"
        + store
        + "-"
        + request.runId()
        + "-"
        + Labels.safe(request.jobKey())
        + "-"
        + Labels.safe(role)
        + "-"
        + network.substring(network.lastIndexOf('-') + 1);
  }

  private List<String> labels(String role) {
    return Labels.args(store, request.runId(), request.jobKey(), role);
  }

  /** {@code job.services}: per id, {@code id}, {@code network} and {@code ports}. */
  public Map<String, Object> servicesContext() {
    return new LinkedHashMap<>(servicesContext);
  }

  /** {@code job.container}: {@code id} and {@code network}, empty without a job container. */
  public Map<String, Object> containerContext() {
    Map<String, Object> context = new LinkedHashMap<>();
    if (jobContainer != null) {
      context.put("id", jobContainer.id());
      context.put("network", network);
    }
    return context;
  }

  /** The job container, or null when the job has none. */
  public JobContainer jobContainer() {
    return jobContainer;
  }

  public String network() {
    return network;
  }

  /**
   * {@code url} as the job's containers reach it: a service on the host's loopback ({@code
   * http://127.0.0.1:PORT/…}, {@code localhost}, {@code [::1]}) through a {@link GatewayRelay} on
   * the network's gateway, opened on first use and closed with the job; any other URL as it is.
   * When the gateway cannot be used (rootless Podman keeps it in a namespace of its own), the URL
   * stays as it is and the set-up log says why, once.
   */
  synchronized String reachable(String url) {
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      return url;
    }
    String host = uri.getHost();
    if (closed
        || !"http".equals(uri.getScheme())
        || uri.getPort() <= 0
        || host == null
        || !(host.equals("127.0.0.1") || host.equals("localhost") || host.equals("[::1]"))) {
      return url;
    }
    if (unreachable != null) {
      return url;
    }
    String gateway = null;
    try {
      gateway = gateway();
      GatewayRelay relay = relays.get(uri.getPort());
      if (relay == null) {
        relay = GatewayRelay.open(InetAddress.getByName(gateway), uri.getPort());
        relays.put(uri.getPort(), relay);
      }
      return new URI(
              "http",
              uri.getUserInfo(),
              gateway,
              relay.port(),
              uri.getPath(),
              uri.getQuery(),
              uri.getFragment())
          .toString();
    } catch (IOException | URISyntaxException | ContainerException e) {
      unreachable =
          "The job's containers cannot reach "
              + uri.getScheme()
              + "://"
              + uri.getAuthority()
              + " (the cache service) on this host"
              + (gateway == null ? "" : " through the network's gateway " + gateway)
              + ": "
              + e.getMessage();
      request.log().accept(unreachable);
      return url;
    }
  }

  /** The IPv4 gateway of the job's network, the host's side of its bridge. */
  private String gateway() {
    Podman.Result inspect =
        podman.run(
            COMMAND_TIMEOUT,
            "network",
            "inspect",
            "--format",
            "{{range .Subnets}}{{.Gateway}} {{end}}",
            network);
    if (!inspect.ok()) {
      throw new ContainerException("cannot inspect network " + network + ": " + inspect.error());
    }
    for (String address : inspect.out().strip().split("\\s+")) {
      if (address.matches("\\d+\\.\\d+\\.\\d+\\.\\d+")) {
        return address;
      }
    }
    throw new ContainerException("network " + network + " has no IPv4 gateway");
  }

  /** Removes every container and the network; logs what it could not remove. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    relays.values().forEach(GatewayRelay::close);
    relays.clear();
    if (!created.isEmpty()) {
      List<String> args = new ArrayList<>(List.of("rm", "-f", "-v", "-t", "0"));
      args.addAll(created);
      Podman.Result rm = podman.run(COMMAND_TIMEOUT, args);
      if (!rm.ok()) {
        request.log().accept("Could not remove the job's containers: " + rm.error());
      }
    }
    if (networkCreated) {
      Podman.Result rm = podman.run(COMMAND_TIMEOUT, "network", "rm", "-f", network);
      if (!rm.ok()) {
        request.log().accept("Could not remove network " + network + ": " + rm.error());
      }
    }
  }

  static List<String> concat(List<String> a, List<String> b, List<String> c) {
    List<String> all = new ArrayList<>(a);
    all.addAll(b);
    all.addAll(c);
    return all;
  }
}
