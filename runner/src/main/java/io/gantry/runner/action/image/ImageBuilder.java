package io.gantry.runner.action.image;

import com.google.cloud.tools.jib.api.Containerizer;
import com.google.cloud.tools.jib.api.ImageReference;
import com.google.cloud.tools.jib.api.InvalidImageReferenceException;
import com.google.cloud.tools.jib.api.JavaContainerBuilder;
import com.google.cloud.tools.jib.api.Jib;
import com.google.cloud.tools.jib.api.JibContainer;
import com.google.cloud.tools.jib.api.JibContainerBuilder;
import com.google.cloud.tools.jib.api.Ports;
import com.google.cloud.tools.jib.api.RegistryImage;
import com.google.cloud.tools.jib.api.TarImage;
import com.google.cloud.tools.jib.api.buildplan.AbsoluteUnixPath;
import com.google.cloud.tools.jib.api.buildplan.FileEntriesLayer;
import com.google.cloud.tools.jib.api.buildplan.Platform;
import com.google.cloud.tools.jib.api.buildplan.Port;
import com.google.cloud.tools.jib.global.JibSystemProperties;
import io.gantry.runner.action.image.ImageRequest.ArchiveBase;
import io.gantry.runner.action.image.ImageRequest.Base;
import io.gantry.runner.action.image.ImageRequest.Container;
import io.gantry.runner.action.image.ImageRequest.FileLayer;
import io.gantry.runner.action.image.ImageRequest.RegistryBase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Builds an {@link ImageRequest} with Jib core and pushes it, layer by layer, straight to the
 * registry: no Docker engine, and a layer the registry has already is not uploaded again.
 *
 * <p><b>Plain HTTP.</b> Jib uses HTTP (and accepts unverified TLS certificates) only when told to
 * allow insecure registries, and this builder tells it so only when the request says {@code
 * allowInsecureRegistries}, or when every registry of the build is a loopback address (the
 * connection never leaves the machine). Jib also refuses to send credentials over HTTP unless the
 * JVM-wide system property {@code sendCredentialsOverHttp} is true; since HTTP happens only on the
 * connections just described, this class sets that property once, so that an allowed HTTP registry
 * with a password works, as Docker's {@code insecure-registries} do. A registry that needs a
 * password and is not on this machine should be served over TLS.
 *
 * <p><b>Layer cache.</b> Base layers and application layers are cached below the given folder
 * ({@code base/}, {@code app/}). Jib writes into its cache through temporary files moved into place
 * atomically, and locks the few files it rewrites, so concurrent builds (threads or processes)
 * share one cache safely.
 *
 * <p><b>Failures</b> are {@link ImageException}s with one line naming the registry, the image or
 * the input, and the fix. Before Jib starts, every registry of the build is probed: an unreachable
 * one is tried a bounded number of times ({@link Options}), one without trusted TLS fails at once
 * unless plain HTTP is allowed. A build that fails has not pushed its manifest: no tag moves.
 */
public final class ImageBuilder {

  static {
    if (System.getProperty(JibSystemProperties.SEND_CREDENTIALS_OVER_HTTP) == null) {
      System.setProperty(JibSystemProperties.SEND_CREDENTIALS_OVER_HTTP, "true");
    }
  }

  /**
   * How hard to try.
   *
   * @param attempts how many times to try a build whose registry cannot be reached (at least 1)
   * @param backoff the wait before the second attempt; doubled for each further one
   * @param plainHttpForLoopback whether a loopback registry may use HTTP without {@code
   *     allowInsecureRegistries}
   */
  public record Options(int attempts, Duration backoff, boolean plainHttpForLoopback) {
    public static Options defaults() {
      return new Options(3, Duration.ofSeconds(1), true);
    }
  }

  private static final AtomicInteger THREADS = new AtomicInteger();

  /**
   * The tool version Jib writes into the image's history ({@code created_by: gantry:…}) and its
   * User-Agent: the action's version, not Gantry's, so that upgrading Gantry does not change the
   * digest of an unchanged image.
   */
  private static final String TOOL_VERSION = "build-image-v1";

  private final Path cache;
  private final Consumer<String> log;
  private final Map<String, String> env;
  private final BooleanSupplier cancelled;
  private final Options options;

  /**
   * @param cache the layer cache folder, shared by builds
   * @param log receives the progress lines
   * @param env the step's environment (Maven and credential helpers run with it; {@code
   *     ACTIONS_STEP_DEBUG=true} adds Jib's own messages to the log)
   * @param cancelled polled while building; true stops the build
   */
  public ImageBuilder(
      Path cache,
      Consumer<String> log,
      Map<String, String> env,
      BooleanSupplier cancelled,
      Options options) {
    this.cache = cache;
    this.log = log;
    this.env = env;
    this.cancelled = cancelled;
    this.options = options;
  }

  /** Builds the image and pushes it with all its tags. */
  public BuiltImage build(ImageRequest request, RegistryCredentials credentials)
      throws ImageException, InterruptedException {
    return build(request, credentials, List.of());
  }

  /** As {@link #build(ImageRequest, RegistryCredentials)}, with layers made by this package. */
  BuiltImage build(
      ImageRequest request, RegistryCredentials credentials, List<FileEntriesLayer> extraLayers)
      throws ImageException, InterruptedException {
    String target = Registries.registryOf(request.repository());
    String baseRegistry =
        request.base() instanceof RegistryBase r ? Registries.registryOf(r.reference()) : null;
    boolean loopbackOnly =
        Registries.isLoopback(target)
            && (baseRegistry == null || Registries.isLoopback(baseRegistry));
    boolean insecure =
        request.allowInsecureRegistries() || (options.plainHttpForLoopback() && loopbackOnly);

    Map<String, Credential> used = new LinkedHashMap<>();
    Optional<Credential> targetCredential = credentials.find(target);
    targetCredential.ifPresent(c -> used.put(target, c));
    Optional<Credential> baseCredential = Optional.empty();
    if (baseRegistry != null) {
      baseCredential =
          baseRegistry.equalsIgnoreCase(target) ? targetCredential : credentials.find(baseRegistry);
      baseCredential.ifPresent(c -> used.put(baseRegistry, c));
    }
    used.forEach((registry, c) -> log.accept("Credentials for " + registry + ": " + c.source()));
    log.accept(
        "Building "
            + request.repository()
            + ":"
            + String.join(",", request.tags())
            + " from "
            + request.base()
            + " for "
            + String.join(",", request.platforms())
            + (insecure
                ? request.allowInsecureRegistries()
                    ? " (allow-insecure-registries: plain HTTP allowed)"
                    : " (loopback registry: plain HTTP allowed)"
                : ""));
    List<String> registries = new ArrayList<>();
    if (baseRegistry != null && !baseRegistry.equalsIgnoreCase(target)) {
      registries.add(baseRegistry);
    }
    registries.add(target);
    preflight(registries, insecure);

    Path converted = null;
    try {
      Object base = baseImage(request, baseCredential);
      if (request.base() instanceof ArchiveBase archive && archive.oci()) {
        converted = Files.createTempFile("gantry-oci-base", ".tar");
        String[] platform = request.platforms().get(0).split("/");
        OciArchives.toDockerArchive(archive.path(), converted, platform[0], platform[1]);
        base = TarImage.at(converted);
      }
      BuildProgress progress =
          new BuildProgress(log, "true".equalsIgnoreCase(env.get("ACTIONS_STEP_DEBUG")));
      JibContainerBuilder builder = containerBuilder(request, base);
      extraLayers.forEach(builder::addFileEntriesLayer);
      RegistryImage to =
          RegistryImage.named(
              ImageReference.of(
                  target,
                  ImageReference.parse(request.repository()).getRepository(),
                  request.tags().get(0)));
      targetCredential.ifPresent(c -> to.addCredential(c.username(), c.password()));
      JibContainer container =
          containerize(builder, to, request, insecure, progress, used, credentials);
      String digest = container.getDigest().toString();
      BuiltImage.Stats stats = progress.stats(container.getImageId().toString());
      BuiltImage built =
          new BuiltImage(
              request.repository() + ":" + request.tags().get(0),
              digest,
              request.repository() + "@" + digest,
              stats);
      log.accept(
          "Pushed "
              + built.imageRef()
              + " (tags "
              + String.join(", ", request.tags())
              + "): "
              + stats.layersPushed()
              + " layers uploaded ("
              + BuildProgress.bytes(stats.bytesPushed())
              + " with the config), "
              + stats.layersPresent()
              + " already in the registry ("
              + BuildProgress.bytes(stats.bytesPresent())
              + "); "
              + stats.baseLayersPulled()
              + " base layers pulled ("
              + BuildProgress.bytes(stats.bytesPulled())
              + "); application layers: "
              + stats.layersBuilt()
              + " built, "
              + stats.layersReused()
              + " from the cache");
      return built;
    } catch (IOException e) {
      throw new ImageException("building the image failed: " + BuildFailures.describe(e), e);
    } catch (InvalidImageReferenceException e) {
      throw new ImageException("input 'image' '" + request.repository() + "' is not a repository");
    } finally {
      if (converted != null) {
        try {
          Files.deleteIfExists(converted);
        } catch (IOException e) {
          // A temp file left behind is harmless.
        }
      }
    }
  }

  private Object baseImage(ImageRequest request, Optional<Credential> credential)
      throws ImageException {
    Base base = request.base();
    if (base instanceof RegistryBase r) {
      try {
        RegistryImage image = RegistryImage.named(ImageReference.parse(r.reference()));
        credential.ifPresent(c -> image.addCredential(c.username(), c.password()));
        return image;
      } catch (InvalidImageReferenceException e) {
        throw new ImageException("input 'base' '" + r.reference() + "' is not an image reference");
      }
    }
    if (base instanceof ArchiveBase archive) {
      return TarImage.at(archive.path());
    }
    return RegistryImage.named(ImageReference.scratch());
  }

  private JibContainerBuilder containerBuilder(ImageRequest request, Object base)
      throws ImageException, IOException, InterruptedException {
    JibContainerBuilder builder;
    if (request.java() != null) {
      JavaContainerBuilder java =
          base instanceof TarImage tar
              ? JavaContainerBuilder.from(tar)
              : JavaContainerBuilder.from((RegistryImage) base);
      builder = JavaLayers.add(java, request.java(), env, cancelled, log);
    } else {
      builder = base instanceof TarImage tar ? Jib.from(tar) : Jib.from((RegistryImage) base);
    }
    int index = 0;
    for (FileLayer layer : request.layers()) {
      index++;
      builder.addFileEntriesLayer(FileLayers.of(layer, "files " + index + " " + layer.to()));
    }
    Container c = request.container();
    if (c.entrypoint() != null) {
      builder.setEntrypoint(c.entrypoint());
    }
    if (c.cmd() != null) {
      builder.setProgramArguments(c.cmd());
    }
    if (c.workdir() != null) {
      builder.setWorkingDirectory(AbsoluteUnixPath.get(c.workdir()));
    }
    if (c.user() != null) {
      builder.setUser(c.user());
    }
    if (!c.env().isEmpty()) {
      builder.setEnvironment(c.env());
    }
    if (!c.ports().isEmpty()) {
      Set<Port> ports;
      try {
        ports = Ports.parse(c.ports());
      } catch (NumberFormatException e) {
        throw new ImageException("input 'ports' " + e.getMessage());
      }
      builder.setExposedPorts(ports);
    }
    if (!c.labels().isEmpty()) {
      builder.setLabels(c.labels());
    }
    Set<Platform> platforms = new LinkedHashSet<>();
    for (String platform : request.platforms()) {
      String[] parts = platform.split("/");
      platforms.add(new Platform(parts[1], parts[0]));
    }
    builder.setPlatforms(platforms);
    return builder;
  }

  private JibContainer containerize(
      JibContainerBuilder builder,
      RegistryImage to,
      ImageRequest request,
      boolean insecure,
      BuildProgress progress,
      Map<String, Credential> used,
      RegistryCredentials credentials)
      throws ImageException, InterruptedException {
    ExecutorService jibThreads = Executors.newCachedThreadPool(daemons("jib"));
    ExecutorService caller = Executors.newSingleThreadExecutor(daemons("jib-build"));
    try {
      Containerizer containerizer =
          Containerizer.to(to)
              .setToolName("gantry")
              .setToolVersion(TOOL_VERSION)
              .setAllowInsecureRegistries(insecure)
              .setBaseImageLayersCache(cache.resolve("base"))
              .setApplicationLayersCache(cache.resolve("app"))
              .setExecutorService(jibThreads)
              .addEventHandler(progress);
      for (String tag : request.tags().subList(1, request.tags().size())) {
        containerizer.withAdditionalTag(tag);
      }
      if (cancelled.getAsBoolean()) {
        throw new ImageException("the build was cancelled before the image was pushed");
      }
      Future<JibContainer> result = caller.submit(() -> builder.containerize(containerizer));
      try {
        return await(result);
      } catch (ExecutionException e) {
        Throwable cause = e.getCause();
        String unreachable = BuildFailures.unreachable(cause);
        if (unreachable != null) {
          throw new ImageException(
              "registry "
                  + BuildFailures.registryIn(cause, request)
                  + " could not be reached during the build ("
                  + unreachable
                  + "); nothing was tagged, run the step again",
              cause);
        }
        throw BuildFailures.of(cause, request, used, credentials);
      }
    } finally {
      progress.close();
      caller.shutdownNow();
      jibThreads.shutdownNow();
    }
  }

  /**
   * Checks that every registry of the build can be reached (a bounded number of attempts) and, when
   * plain HTTP is not allowed, speaks TLS this JVM trusts: the common mistakes fail in
   * milliseconds, not after Jib's minute of retries.
   */
  private void preflight(List<String> registries, boolean insecure)
      throws ImageException, InterruptedException {
    if (!RegistryProbe.applies()) {
      return;
    }
    for (String registry : registries) {
      Duration backoff = options.backoff();
      for (int attempt = 1; ; attempt++) {
        String unreachable = RegistryProbe.probe(registry, !insecure);
        if (unreachable == null) {
          break;
        }
        if (attempt >= options.attempts()) {
          throw new ImageException(
              "registry "
                  + registry
                  + " is unreachable after "
                  + attempt
                  + (attempt == 1 ? " attempt: " : " attempts: ")
                  + unreachable
                  + "; check the address and that the registry is running");
        }
        log.accept(
            "Registry "
                + registry
                + " is unreachable ("
                + unreachable
                + "); trying again in "
                + backoff.toMillis()
                + " ms (attempt "
                + (attempt + 1)
                + " of "
                + options.attempts()
                + ")");
        sleep(backoff);
        backoff = backoff.multipliedBy(2);
      }
    }
  }

  private JibContainer await(Future<JibContainer> result)
      throws ExecutionException, InterruptedException, ImageException {
    while (true) {
      try {
        return result.get(200, TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        if (cancelled.getAsBoolean()) {
          result.cancel(true);
          throw new ImageException("the build was cancelled before the image was pushed");
        }
      }
    }
  }

  private void sleep(Duration duration) throws InterruptedException, ImageException {
    long end = System.nanoTime() + duration.toNanos();
    while (System.nanoTime() < end) {
      if (cancelled.getAsBoolean()) {
        throw new ImageException("the build was cancelled before the image was pushed");
      }
      Thread.sleep(Math.min(100, Math.max(1, (end - System.nanoTime()) / 1_000_000)));
    }
  }

  private static ThreadFactory daemons(String name) {
    return runnable -> {
      Thread thread = new Thread(runnable, name + "-" + THREADS.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }
}
