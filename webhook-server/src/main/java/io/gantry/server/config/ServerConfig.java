package io.gantry.server.config;

import io.gantry.runner.store.DatabaseSettings;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The configuration of {@code gantry serve}, as read from {@code gantry.yml} by {@link
 * ConfigLoader}. Values are resolved: {@code ${NAME}} references are replaced by the environment's
 * values.
 */
public record ServerConfig(
    Server server,
    List<Repository> repositories,
    LocalEcsSettings localEcs,
    Access access,
    Limits limits,
    Actions actions) {

  /** With the default {@link Actions}. */
  public ServerConfig(
      Server server,
      List<Repository> repositories,
      LocalEcsSettings localEcs,
      Access access,
      Limits limits) {
    this(server, repositories, localEcs, access, limits, Actions.DEFAULTS);
  }

  /**
   * {@code actions:}: where actions that are not built in come from, and the cache service.
   *
   * @param sources git base URLs tried in order ({@code sources:}; empty: {@code
   *     https://github.com})
   * @param overrides one repository URL or local folder per action repository ({@code overrides:
   *     {actions/setup-java: file:///…}})
   * @param builtinOff built-in actions turned off ({@code builtin: {NAME: false}}), so the real one
   *     runs from the sources
   * @param node the Node.js executable for JavaScript actions ({@code node:}); null: {@code
   *     node}/{@code nodejs} on the PATH
   * @param cacheBytes the cache service's total before least-recently-used entries are evicted
   *     ({@code cache-size:}, default 10 GiB as GitHub's)
   */
  public record Actions(
      List<String> sources,
      java.util.Map<String, String> overrides,
      java.util.Set<String> builtinOff,
      String node,
      long cacheBytes) {

    public static final Actions DEFAULTS =
        new Actions(List.of(), java.util.Map.of(), java.util.Set.of(), null, 10L << 30);

    /**
     * These settings with {@code extra} sources tried first ({@code gantry run --action-source}).
     */
    public Actions withSourcesFirst(List<String> extra) {
      List<String> all = new java.util.ArrayList<>(extra);
      all.addAll(sources);
      return new Actions(List.copyOf(all), overrides, builtinOff, node, cacheBytes);
    }
  }

  /** Without a {@code local-ecs:} section. */
  public ServerConfig(Server server, List<Repository> repositories) {
    this(server, repositories, null);
  }

  /** Without {@code users:}; anonymous visitors of the web UI must sign in. */
  public ServerConfig(Server server, List<Repository> repositories, LocalEcsSettings localEcs) {
    this(server, repositories, localEcs, Access.NONE, Limits.DEFAULTS);
  }

  /**
   * Who may use the web UI and the API besides the holder of the api-token.
   *
   * @param publicRead {@code server.public-read}: anonymous visitors may read the web UI's pages
   * @param users {@code users:}, each with a hashed token and a role
   */
  public record Access(boolean publicRead, List<User> users) {
    public static final Access NONE = new Access(false, List.of());
  }

  /**
   * One user of {@code users:}.
   *
   * @param tokenSha256 the SHA-256 of the user's token, 64 lowercase hex digits (the file holds
   *     {@code token-hash: sha256:<hex>}; no token is kept in clear)
   * @param role {@code viewer} (reads) or {@code operator} (also reruns, cancels, dispatches and
   *     rolls back)
   */
  public record User(String name, String tokenSha256, String role) {}

  /** With the default {@link Limits}. */
  public ServerConfig(
      Server server, List<Repository> repositories, LocalEcsSettings localEcs, Access access) {
    this(server, repositories, localEcs, access, Limits.DEFAULTS);
  }

  /** With no {@code users:}. */
  public ServerConfig(
      Server server, List<Repository> repositories, LocalEcsSettings localEcs, Limits limits) {
    this(server, repositories, localEcs, Access.NONE, limits);
  }

  /**
   * {@code limits:}: what one request, one client and one workflow may use. The defaults are
   * GitHub's where GitHub has one (matrix jobs, workflow file size).
   *
   * @param webhookBodyBytes a {@code /hooks/*} request's body (413 above it, chunked or not)
   * @param requestBodyBytes any other request's body
   * @param connectionsPerAddress open connections one client address may hold (0: no limit; behind
   *     a reverse proxy every client has the proxy's address)
   * @param idleTimeoutSeconds how long a connection may send or read nothing
   * @param minRequestBytesPerSecond the slowest a request body may arrive (408 below it)
   * @param matrixJobs the jobs one job's matrix may generate
   * @param workflowFileBytes a workflow file's size
   * @param stepLogBytes what one step's log keeps; further output is dropped with one line saying
   *     so (GitHub documents no per-step figure; 64 MiB)
   * @param pullTimeoutSeconds how long pulling a job's or service's image may take before the job
   *     fails (10 minutes)
   */
  public record Limits(
      long webhookBodyBytes,
      long requestBodyBytes,
      int connectionsPerAddress,
      int idleTimeoutSeconds,
      long minRequestBytesPerSecond,
      int matrixJobs,
      long workflowFileBytes,
      long stepLogBytes,
      int pullTimeoutSeconds) {

    public static final Limits DEFAULTS =
        new Limits(25L << 20, 1L << 20, 64, 30, 1024, 256, 500L * 1024, 64L << 20, 600);
  }

  /**
   * {@code local-ecs:}: the server starts the embedded ECS-compatible cluster and points every
   * run's AWS clients at it (endpoint variables, region and dummy keys, below the workflow's own
   * {@code env:}).
   *
   * @param port its API port (0: a free one)
   * @param dataDir its state, containers' configuration and registry (default {@code
   *     <data-dir>/local-ecs})
   * @param region the region it answers as
   * @param stopTasksOnClose whether stopping the server stops the services' tasks too (default
   *     false: they keep running and the next start finds them, as ECS's would)
   */
  public record LocalEcsSettings(int port, Path dataDir, String region, boolean stopTasksOnClose) {}

  /**
   * @param port 0 picks a free port
   * @param bind the address to listen on (default 127.0.0.1)
   * @param publicUrl how forges and users reach this server (links in commit statuses); null when
   *     not configured with port 0: {@code GantryServer.start} makes it {@code
   *     http://localhost:PORT} with the port it picked
   * @param apiToken the bearer token every mutating API call must carry
   * @param workers runs executed at once by this process
   * @param leaseSeconds how long a worker's claim on a run lasts without renewal: a run whose
   *     process died is marked interrupted after at most this long
   * @param database {@code server.database}: the shared PostgreSQL store, or null for the embedded
   *     store of the data directory
   * @param retryInterrupted {@code server.retry-interrupted}: how many more times a job on an agent
   *     is queued when its agent stops answering (its lease expires); 0 never
   */
  public record Server(
      int port,
      String bind,
      String publicUrl,
      Path dataDir,
      Secret apiToken,
      int workers,
      int leaseSeconds,
      DatabaseSettings database,
      int retryInterrupted) {

    /** Without re-runs of interrupted jobs. */
    public Server(
        int port,
        String bind,
        String publicUrl,
        Path dataDir,
        Secret apiToken,
        int workers,
        int leaseSeconds,
        DatabaseSettings database) {
      this(port, bind, publicUrl, dataDir, apiToken, workers, leaseSeconds, database, 0);
    }

    /** On the embedded store of the data directory. */
    public Server(
        int port,
        String bind,
        String publicUrl,
        Path dataDir,
        Secret apiToken,
        int workers,
        int leaseSeconds) {
      this(port, bind, publicUrl, dataDir, apiToken, workers, leaseSeconds, null);
    }

    /** This configuration listening on {@code chosenPort}, its public URL following the port. */
    public Server onPort(int chosenPort) {
      return new Server(
          chosenPort,
          bind,
          "http://localhost:" + chosenPort,
          dataDir,
          apiToken,
          workers,
          leaseSeconds,
          database,
          retryInterrupted);
    }
  }

  /**
   * One repository Gantry builds.
   *
   * @param name {@code owner/name} as the forge knows it
   * @param forge github, gitea, gitlab or git
   * @param isolation {@code runner:}: where its jobs run (the top-level {@code runner:} when the
   *     repository has none; on this machine when neither has one)
   */
  public record Repository(
      String name,
      String forge,
      String cloneUrl,
      Secret webhookSecret,
      Credentials credentials,
      Status status,
      java.util.Map<String, Secret> secrets,
      java.util.Map<String, String> vars,
      io.gantry.runner.execution.Isolation isolation) {

    public Repository {
      if (isolation == null) {
        isolation = io.gantry.runner.execution.Isolation.HOST;
      }
    }

    /** Its jobs on this machine. */
    public Repository(
        String name,
        String forge,
        String cloneUrl,
        Secret webhookSecret,
        Credentials credentials,
        Status status,
        java.util.Map<String, Secret> secrets,
        java.util.Map<String, String> vars) {
      this(
          name,
          forge,
          cloneUrl,
          webhookSecret,
          credentials,
          status,
          secrets,
          vars,
          io.gantry.runner.execution.Isolation.HOST);
    }
  }

  /** Credentials for cloning: HTTPS user and password (a token), or an SSH key file. */
  public record Credentials(String username, Secret password, Path sshKey) {}

  /**
   * Where commit statuses go; absent when the repository reports none.
   *
   * @param forge the status API spoken at {@code apiUrl}: github, gitea or gitlab (the repository's
   *     forge unless set; required for a bare {@code git} repository)
   * @param perJob {@code per-job: true}: also one status per job, named as GitHub names its checks,
   *     {@code workflow / job (event)}, so branch protection can require a job
   */
  public record Status(String apiUrl, Secret token, String forge, boolean perJob) {

    /** One status per run only. */
    public Status(String apiUrl, Secret token, String forge) {
      this(apiUrl, token, forge, false);
    }
  }

  /** The repository of that name, if configured. */
  public Optional<Repository> repository(String name) {
    return repositories.stream().filter(r -> r.name().equalsIgnoreCase(name)).findFirst();
  }

  /** A secret value: prints as {@code ***}, so a config dumped to a log leaks nothing. */
  public record Secret(String value) {
    @Override
    public String toString() {
      return "***";
    }
  }
}
