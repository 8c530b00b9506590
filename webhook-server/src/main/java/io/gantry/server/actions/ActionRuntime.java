package io.gantry.server.actions;

import io.gantry.runner.action.ActionRegistry;
import io.gantry.runner.action.builtin.BuiltInActions;
import io.gantry.runner.action.remote.ActionSources;
import io.gantry.runner.action.remote.GitActionCatalog;
import io.gantry.runner.cache.CacheStore;
import io.gantry.runner.execution.GitActionStepRunner;
import io.gantry.runner.execution.JobServices;
import io.gantry.runner.execution.StepRunner;
import io.gantry.runner.execution.StepRunners;
import io.gantry.runner.git.Mirrors;
import io.gantry.runner.toolcache.ToolCache;
import io.gantry.runner.workflow.ActionCatalog;
import io.gantry.server.cache.CacheService;
import io.gantry.server.config.ServerConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything {@code gantry run} and {@code gantry serve} need to run the workflows people already
 * have, built once from {@code gantry.yml}'s {@code actions:}: the built-in actions in use ({@code
 * builtin: {NAME: false}} removed), the catalog validation asks (built-ins, then any action from
 * git, with the inputs of those already in the cache), the step runners (built-ins, then JavaScript
 * actions fetched from the sources), the tool cache filled from this machine's toolchains ({@code
 * DATA/tool-cache}) and the cache service on 127.0.0.1 with a token per job. Closing it stops the
 * cache service.
 */
public final class ActionRuntime implements AutoCloseable {

  private final ActionRegistry registry;
  private final ActionCatalog catalog;
  private final List<StepRunner> stepRunners;
  private final CacheStore caches;
  private final CacheService cacheService;
  private final CacheLock lock;
  private final Map<String, String> toolEnv;

  private ActionRuntime(
      ActionRegistry registry,
      ActionCatalog catalog,
      List<StepRunner> stepRunners,
      CacheStore caches,
      CacheService cacheService,
      CacheLock lock,
      Map<String, String> toolEnv) {
    this.lock = lock;
    this.registry = registry;
    this.catalog = catalog;
    this.stepRunners = stepRunners;
    this.caches = caches;
    this.cacheService = cacheService;
    this.toolEnv = toolEnv;
  }

  /**
   * The built-ins and the validation catalog only, with nothing started ({@code gantry validate}).
   *
   * @throws IllegalArgumentException when {@code builtin:} names no built-in action
   */
  public static ActionCatalog catalog(
      Path dataDir, ServerConfig.Actions settings, ActionRegistry builtIns) {
    ActionRegistry inUse = builtIns.without(settings.builtinOff());
    return new GitActionCatalog(inUse, inUse.names(), dataDir.resolve("actions"));
  }

  /**
   * Fills the tool cache and starts the cache service on {@code host} (a free port).
   *
   * @param mirrors what {@code actions/checkout} clones through; null for local runs
   * @throws IllegalArgumentException when {@code builtin:} names no built-in action
   */
  public static ActionRuntime start(
      Path dataDir, ServerConfig.Actions settings, Mirrors mirrors, String host)
      throws IOException {
    ActionRegistry registry = BuiltInActions.registry(mirrors).without(settings.builtinOff());
    GitActionCatalog catalog =
        new GitActionCatalog(registry, registry.names(), dataDir.resolve("actions"));
    GitActionStepRunner git =
        GitActionStepRunner.locatingNode(
            dataDir.resolve("actions"),
            new ActionSources(settings.sources(), settings.overrides()),
            settings.node());
    Path tools = dataDir.resolve("tool-cache");
    List<Path> jdks = new ArrayList<>();
    String javaHome = System.getenv("JAVA_HOME");
    if (javaHome != null && !javaHome.isBlank()) {
      jdks.add(Path.of(javaHome));
    }
    jdks.add(Path.of(System.getProperty("java.home")));
    jdks.add(Path.of("/usr/lib/jvm"));
    ToolCache.fill(tools, jdks, System.getenv("PATH"));
    Map<String, String> toolEnv = new LinkedHashMap<>();
    toolEnv.put("RUNNER_TOOL_CACHE", tools.toAbsolutePath().toString());
    CacheLock lock = CacheLock.take(dataDir.resolve("caches"));
    if (lock == null) {
      return new ActionRuntime(
          registry,
          catalog,
          StepRunners.withGitActions(registry, git),
          null,
          null,
          null,
          Map.copyOf(toolEnv));
    }
    CacheStore caches = CacheStore.open(dataDir.resolve("caches"), settings.cacheBytes());
    CacheService service = CacheService.start(caches, host, 0);
    return new ActionRuntime(
        registry,
        catalog,
        StepRunners.withGitActions(registry, git),
        caches,
        service,
        lock,
        Map.copyOf(toolEnv));
  }

  /**
   * Whether this process serves the cache: false when another Gantry process on the same data
   * directory holds it (its jobs then get no {@code ACTIONS_CACHE_URL}, and actions/cache reports
   * the cache as unavailable instead of two processes writing one store).
   */
  public boolean servesCache() {
    return cacheService != null;
  }

  /** The built-in actions in use. */
  public ActionRegistry registry() {
    return registry;
  }

  /** What validation asks about {@code uses:}. */
  public ActionCatalog catalog() {
    return catalog;
  }

  public List<StepRunner> stepRunners() {
    return stepRunners;
  }

  /** The cache entries (for the REST API); null when another process serves the cache. */
  public CacheStore caches() {
    return caches;
  }

  /** Per job: the tool cache, {@code ACTIONS_CACHE_URL} and a token revoked at the job's end. */
  public JobServices jobServices() {
    if (cacheService == null) {
      return job -> () -> toolEnv;
    }
    JobServices cache = cacheService.jobServices();
    return job -> {
      JobServices.Lease lease = cache.open(job);
      Map<String, String> env = new LinkedHashMap<>(toolEnv);
      env.putAll(lease.environment());
      Map<String, String> all = Map.copyOf(env);
      return new JobServices.Lease() {
        @Override
        public Map<String, String> environment() {
          return all;
        }

        @Override
        public void close() {
          lease.close();
        }
      };
    };
  }

  /** The cache service's base URL ({@code ACTIONS_CACHE_URL}), or null. */
  public String cacheUrl() {
    return cacheService == null ? null : cacheService.baseUrl();
  }

  @Override
  public void close() {
    if (cacheService != null) {
      cacheService.close();
      lock.close();
    }
  }
}
