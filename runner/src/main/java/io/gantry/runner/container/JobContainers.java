package io.gantry.runner.container;

import io.gantry.engine.ContainerEngine;
import io.gantry.engine.ContainerEngine.EngineException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
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
   * @param pullTimeout how long pulling one image may take (also bounded by {@code deadline})
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
      Path hostNode,
      Duration pullTimeout) {}

  private final Podman podman;
  private ContainerEngine engine;
  private final Request request;
  private final String store;
  private final String network;
  private final List<String> created = new ArrayList<>();
  private final Map<String, Map<String, Object>> servicesContext = new LinkedHashMap<>();
  private JobContainer jobContainer;
  private boolean networkCreated;

  /** The set-up log, written from the containers' threads one line at a time. */
  private final Consumer<String> log;

  private boolean closed;

  /** The way from the network's containers to the host's loopback services. */
  private final LoopbackRoutes routes;

  private JobContainers(Podman podman, Request request) {
    this.podman = podman;
    this.request = request;
    Consumer<String> lines = request.log();
    this.log =
        line -> {
          synchronized (lines) {
            lines.accept(line);
          }
        };
    this.store = Labels.store(request.dataDir());
    this.network =
        Labels.network(
            store,
            request.runId(),
            Integer.toHexString(ThreadLocalRandom.current().nextInt(0x100000, 0xFFFFFF)));
    this.routes = new LoopbackRoutes(podman, network);
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
    long t0 = System.nanoTime();
    // every container's options are checked before anything is started or pulled
    if (request.container() != null) {
      CreateSpecs.check(request.container());
    }
    request.services().values().forEach(CreateSpecs::check);
    engine = podman.engine();
    long tEngine = System.nanoTime();
    Map<String, Long> took = java.util.Collections.synchronizedMap(new LinkedHashMap<>());
    // The network is created while the images are looked up (or pulled), and every container is
    // started at once, each on a thread of its own (Podman's start of a container is mostly
    // waiting for runc, conmon and the network set-up); a service is waited for on its thread as
    // soon as it runs, while the job container starts (GitHub's runner waits for the services
    // after starting them all; waiting earlier changes no outcome, only when it is known).
    CompletableFuture<Void> net =
        async(
            () -> {
              long t = System.nanoTime();
              try {
                engine.createNetwork(network, labels("network"));
              } catch (EngineException e) {
                throw new ContainerException("cannot create the job's network: " + e.getMessage());
              }
              networkCreated();
              took.put("network", System.nanoTime() - t);
              return null;
            });
    Images images = new Images(engine, request.pullTimeout());
    Map<String, CompletableFuture<Service>> services = new LinkedHashMap<>();
    for (Map.Entry<String, ContainerSettings> e : request.services().entrySet()) {
      ContainerSettings s = e.getValue();
      log.accept("Starting service '" + e.getKey() + "' (" + s.image() + ")");
      services.put(
          e.getKey(),
          async(
              () -> {
                long t = System.nanoTime();
                images.ensure(s, request.cancelled(), request.deadline());
                await(net);
                Service service =
                    Service.run(
                        engine, s, network, name(e.getKey()), labels("service"), this::created);
                long running = System.nanoTime();
                took.put("service '" + e.getKey() + "'", running - t);
                service.awaitHealthy(engine, request.deadline(), request.cancelled(), log);
                took.put("'" + e.getKey() + "' healthy", System.nanoTime() - running);
                return service;
              }));
    }
    CompletableFuture<JobContainer> job = null;
    if (request.container() != null) {
      log.accept("Starting job container (" + request.container().image() + ")");
      job =
          async(
              () -> {
                long t = System.nanoTime();
                images.ensure(request.container(), request.cancelled(), request.deadline());
                await(net);
                JobContainer container =
                    JobContainer.run(
                        podman,
                        engine,
                        request,
                        network,
                        name("job"),
                        labels("job"),
                        this::created,
                        this::reachable);
                took.put("job container", System.nanoTime() - t);
                return container;
              });
    }
    List<CompletableFuture<?>> all = new ArrayList<>(services.values());
    if (job != null) {
      all.add(job);
    }
    // the network last: a container that failed before waiting for it leaves it to be awaited
    all.add(net);
    RuntimeException failure = null;
    for (CompletableFuture<?> f : all) {
      try {
        f.join();
      } catch (CompletionException e) {
        if (failure == null) {
          failure =
              e.getCause() instanceof RuntimeException r
                  ? r
                  : new ContainerException(String.valueOf(e.getCause()));
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
    jobContainer = job == null ? null : job.join();
    for (CompletableFuture<Service> f : services.values()) {
      Service service = f.join();
      servicesContext.put(service.settings().name(), service.context(network));
    }
    StringBuilder each = new StringBuilder();
    synchronized (took) {
      took.forEach((what, nanos) -> each.append(", ").append(what).append(' ').append(ms(nanos)));
    }
    log.accept(
        "Containers ready in "
            + ms(System.nanoTime() - t0)
            + " ms (engine "
            + ms(tEngine - t0)
            + each
            + ")");
  }

  /** Waits for the network; its failure is this container's too. */
  private static void await(CompletableFuture<Void> network) {
    try {
      network.join();
    } catch (CompletionException e) {
      throw e.getCause() instanceof RuntimeException r
          ? r
          : new ContainerException(String.valueOf(e.getCause()));
    }
  }

  private synchronized void networkCreated() {
    networkCreated = true;
  }

  private synchronized void created(String id) {
    created.add(id);
  }

  /** Runs the start of one container on a thread of its own. */
  private static <T> CompletableFuture<T> async(java.util.function.Supplier<T> start) {
    return CompletableFuture.supplyAsync(
        start,
        r -> {
          Thread t = new Thread(r, "gantry-container-start");
          t.setDaemon(true);
          t.start();
        });
  }

  private static long ms(long nanos) {
    return Math.round(nanos / 1e6);
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

  private Map<String, String> labels(String role) {
    return Labels.map(store, request.runId(), request.jobKey(), role);
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
   * {@code url} as the containers of the job's network (the job container, container actions and
   * {@code docker://} steps joining it) reach it: a service on the host's loopback through {@link
   * LoopbackRoutes}, opened on first use and closed with the job; any other URL as it is.
   *
   * @throws ContainerException one line saying why the service cannot be reached from the job's
   *     network and what to configure (rootless Podman)
   */
  public String reachable(String url) {
    return routes.reachable(url);
  }

  /** Removes every container and the network; logs what it could not remove. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    routes.close();
    // removed at once, each on a thread of its own, as they were started
    List<CompletableFuture<String>> removals = new ArrayList<>();
    for (String id : created) {
      removals.add(async(() -> remove(engine, id)));
    }
    for (int i = 0; i < removals.size(); i++) {
      String failed;
      try {
        failed = removals.get(i).join();
      } catch (CompletionException e) {
        failed = String.valueOf(e.getCause());
      }
      if (failed != null) {
        log.accept("Could not remove the job's container " + created.get(i) + ": " + failed);
      }
    }
    if (networkCreated) {
      try {
        engine.removeNetwork(network);
      } catch (EngineException e) {
        log.accept("Could not remove network " + network + ": " + e.getMessage());
      }
    }
  }

  /**
   * Stops a container at once (SIGKILL: a job container's {@code tail} as pid 1 ignores SIGTERM)
   * and removes it with its anonymous volumes; null when done, else the engine's error.
   */
  static String remove(ContainerEngine engine, String id) {
    try {
      engine.stop(id, Duration.ZERO);
      engine.remove(id);
      return null;
    } catch (EngineException e) {
      return e.getMessage();
    }
  }
}
