package io.gantry.runner.container;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * How the containers of one job network reach a service on the host's loopback (the cache service
 * behind {@code ACTIONS_CACHE_URL}): the one way for the job container, a JavaScript action run in
 * it, a Docker container action and a {@code docker://} step alike.
 *
 * <ul>
 *   <li>Rootful Podman: a {@link GatewayRelay} on the network's gateway (the host's side of the
 *       job's bridge, reached only by that network's containers and the host), opened on first use
 *       per service port, closed with the job.
 *   <li>Rootless Podman: the gateway lives in Podman's own network namespace, not on the host, so
 *       nothing of the host can listen there. slirp4netns forwards {@link #SLIRP_HOST} to the
 *       host's loopback when {@code containers.conf} says {@code network_cmd_options =
 *       ["allow_host_loopback=true"]}: then the URL names that address and the service's own port.
 *       Without it, {@link #reachable} refuses with the line to add and where.
 * </ul>
 *
 * <p>Thread-safe. {@link #close} ends every relay and never throws.
 */
final class LoopbackRoutes implements AutoCloseable {

  /** The host's loopback as slirp4netns shows it to a rootless network namespace. */
  static final String SLIRP_HOST = "10.0.2.2";

  private static final Pattern ALLOW_HOST_LOOPBACK =
      Pattern.compile("(?m)^[^#\\n]*allow_host_loopback\\s*=\\s*true");

  /** Whether Podman is rootless, by its command line and environment. */
  private static final Map<String, Boolean> ROOTLESS = new ConcurrentHashMap<>();

  private final Podman podman;
  private final String network;

  /** Relays by the service's port. */
  private final Map<Integer, GatewayRelay> relays = new LinkedHashMap<>();

  /** The network's gateway, once asked. */
  private String gateway;

  /** Why the network's containers cannot reach the host's loopback, once known. */
  private String unreachable;

  private boolean closed;

  LoopbackRoutes(Podman podman, String network) {
    this.podman = podman;
    this.network = network;
  }

  /**
   * {@code url} as the network's containers reach it: a service on the host's loopback ({@code
   * http://127.0.0.1:PORT/…}, {@code localhost}, {@code [::1]}) through the route above; any other
   * URL as it is.
   *
   * @throws ContainerException one line saying why the service cannot be reached from the network
   *     and what to configure
   */
  synchronized String reachable(String url) {
    URI uri = loopbackHttp(url);
    if (uri == null || closed) {
      return url;
    }
    if (unreachable != null) {
      throw new ContainerException(unreachable);
    }
    String address = null;
    try {
      address = gateway();
      if (rootless()) {
        // Checked first: a rootful network of the host may hold the same gateway address.
        String refused = rootlessRefusal(uri, address);
        if (refused == null) {
          return withHost(uri, SLIRP_HOST, uri.getPort());
        }
        unreachable = refused;
        throw new ContainerException(refused);
      }
      GatewayRelay relay = relays.get(uri.getPort());
      if (relay == null) {
        relay = GatewayRelay.open(InetAddress.getByName(address), uri.getPort());
        relays.put(uri.getPort(), relay);
      }
      return withHost(uri, address, relay.port());
    } catch (IOException | URISyntaxException | ContainerException e) {
      if (unreachable == null) {
        unreachable =
            "the job's containers cannot reach "
                + uri.getScheme()
                + "://"
                + uri.getAuthority()
                + " (the cache service) on this host"
                + (address == null ? "" : " through the network's gateway " + address)
                + ": "
                + e.getMessage();
      }
      throw new ContainerException(unreachable);
    }
  }

  /**
   * Whether Podman runs rootless (asked once per Podman command and configuration in this process:
   * it does not change while Gantry runs).
   */
  private boolean rootless() {
    String key = podman.command(List.of()) + " " + podman.environment();
    Boolean known = ROOTLESS.get(key);
    if (known == null) {
      Podman.Result info =
          podman.run(
              JobContainers.COMMAND_TIMEOUT, "info", "--format", "{{.Host.Security.Rootless}}");
      if (!info.ok()) {
        throw new ContainerException("podman info failed: " + info.error());
      }
      known = info.out().strip().equals("true");
      ROOTLESS.put(key, known);
    }
    return known;
  }

  /** {@code url} when it is plain HTTP to a port of the host's loopback, else null. */
  static URI loopbackHttp(String url) {
    if (url == null) {
      return null;
    }
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      return null;
    }
    String host = uri.getHost();
    boolean loopback =
        host != null
            && (host.equals("127.0.0.1") || host.equals("localhost") || host.equals("[::1]"));
    return "http".equals(uri.getScheme()) && uri.getPort() > 0 && loopback ? uri : null;
  }

  private static String withHost(URI uri, String host, int port) throws URISyntaxException {
    return new URI(
            "http", uri.getUserInfo(), host, port, uri.getPath(), uri.getQuery(), uri.getFragment())
        .toString();
  }

  /**
   * Null when slirp4netns forwards {@link #SLIRP_HOST} to the host's loopback (rootless Podman);
   * otherwise the one line saying why the job's containers cannot reach {@code uri} and what to
   * configure.
   */
  private String rootlessRefusal(URI uri, String address) {
    List<Path> files = configFiles(podman.environment(), System.getenv());
    if (allowsHostLoopback(files)) {
      return null;
    }
    String configure = "network_cmd_options = [\"allow_host_loopback=true\"]";
    String own = System.getenv("CONTAINERS_CONF");
    return "under rootless Podman the job network's gateway "
        + address
        + " is inside Podman's own network namespace, so the job's containers cannot reach "
        + uri.getScheme()
        + "://"
        + uri.getAuthority()
        + " (the cache service) on this host: "
        + (podman.environment().containsKey("CONTAINERS_CONF") && (own == null || own.isBlank())
            // Gantry's own file, rewritten at each start
            ? "set CONTAINERS_CONF to a containers.conf of yours whose [engine] section has "
                + configure
                + " (and the settings of "
                + files.get(0)
                + ")"
            : "add " + configure + " to the [engine] section of " + files.get(0))
        + ", or run Gantry as root";
  }

  /**
   * The containers.conf files Podman reads, the one that wins first: {@code CONTAINERS_CONF} (of
   * Gantry's Podman, else of this process) alone, else the user's, the host's and the package's.
   */
  static List<Path> configFiles(Map<String, String> podmanEnv, Map<String, String> processEnv) {
    String conf = podmanEnv.getOrDefault("CONTAINERS_CONF", processEnv.get("CONTAINERS_CONF"));
    if (conf != null && !conf.isBlank()) {
      return List.of(Path.of(conf));
    }
    List<Path> files = new ArrayList<>();
    String xdg = processEnv.get("XDG_CONFIG_HOME");
    String home = processEnv.get("HOME");
    if (xdg != null && !xdg.isBlank()) {
      files.add(Path.of(xdg, "containers", "containers.conf"));
    } else if (home != null && !home.isBlank()) {
      files.add(Path.of(home, ".config", "containers", "containers.conf"));
    }
    files.add(Path.of("/etc/containers/containers.conf"));
    files.add(Path.of("/usr/share/containers/containers.conf"));
    return files;
  }

  /** Whether one of {@code files} sets {@code allow_host_loopback=true} outside a comment. */
  static boolean allowsHostLoopback(List<Path> files) {
    for (Path file : files) {
      try {
        if (Files.isRegularFile(file)
            && ALLOW_HOST_LOOPBACK.matcher(Files.readString(file)).find()) {
          return true;
        }
      } catch (IOException e) {
        // unreadable: Podman cannot read it either
      }
    }
    return false;
  }

  /**
   * The IPv4 gateway of the network, the host's side of its bridge (rootful Podman); asked once, as
   * a network's subnet does not change.
   */
  private String gateway() {
    if (gateway == null) {
      gateway = inspectGateway();
    }
    return gateway;
  }

  private String inspectGateway() {
    Podman.Result inspect =
        podman.run(
            JobContainers.COMMAND_TIMEOUT,
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

  @Override
  public synchronized void close() {
    closed = true;
    relays.values().forEach(GatewayRelay::close);
    relays.clear();
  }
}
