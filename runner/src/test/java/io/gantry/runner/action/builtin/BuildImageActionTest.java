package io.gantry.runner.action.builtin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gantry.runner.action.ActionResult;
import io.gantry.runner.action.RecordingContext;
import io.gantry.runner.action.image.ImageBuilder;
import io.gantry.runner.action.image.JavaRuntimeBase;
import io.gantry.runner.action.image.RegistryCredentials;
import io.gantry.runner.testing.JavaApps;
import io.gantry.runner.testing.Podman;
import io.gantry.runner.testing.TestRegistry;
import io.gantry.runner.testing.Tools;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code gantry/build-image} against a real registry (Debian's docker-registry with htpasswd auth)
 * and real containers (Podman): what it pushes is read back through the registry API, pulled and
 * run, and its HTTP endpoint called. One registry and one Java base image (pushed by {@link
 * JavaRuntimeBase}) serve the whole class.
 */
@Tag("containers")
class BuildImageActionTest {

  @RegisterExtension static final TestRegistry registry = new TestRegistry();

  @TempDir static Path shared;

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> pulled = new ArrayList<>();
  private static Podman podman;
  private static String javaBase;
  private static int javaBaseLayers;

  @TempDir Path dir;

  @BeforeAll
  static void pushTheJavaBase() throws Exception {
    podman = Podman.require();
    Tools.require("busybox");
    RegistryCredentials credentials =
        new RegistryCredentials(
            host -> Optional.empty(),
            registry.host() + "/java-base",
            TestRegistry.USERNAME,
            TestRegistry.PASSWORD,
            System.getenv(),
            secret -> {});
    ImageBuilder builder =
        new ImageBuilder(
            shared.resolve("cache"),
            line -> {},
            System.getenv(),
            () -> false,
            ImageBuilder.Options.defaults());
    javaBase =
        JavaRuntimeBase.push(
                registry.host() + "/java-base",
                List.of("17"),
                JavaRuntimeBase.DEFAULT_MODULES,
                false,
                Files.createDirectories(shared.resolve("base")),
                builder,
                credentials)
            .imageRef();
    javaBaseLayers = layers("java-base", "17").size();
  }

  @AfterAll
  static void removePulledImages() throws Exception {
    if (podman != null) {
      for (String image : pulled) {
        podman.removeImage(image);
      }
    }
  }

  @Test
  void aFilesImageOnScratchIsPushedWithItsConfigurationAndServesHttpInPodman() throws Exception {
    RecordingContext context = filesImage("web-files", "v1, latest");
    context.inputs.put("env", "GREETING=hi\nMODE=test");
    context.inputs.put("labels", "org.opencontainers.image.source=https://example.test/web");
    context.inputs.put("workdir", "/www");
    context.inputs.put("user", "65534:65534");

    ActionResult result = new BuildImageAction().run(context);

    assertThat(result.succeeded()).as(result.message() + "\n" + context.log()).isTrue();
    String digest = context.outputs.get("digest");
    assertThat(digest).matches("sha256:[0-9a-f]{64}");
    assertThat(context.outputs)
        .containsEntry("image", registry.host() + "/web-files:v1")
        .containsEntry("image-ref", registry.host() + "/web-files@" + digest);
    for (String tag : List.of("v1", "latest")) {
      HttpResponse<String> manifest = registry.manifest("web-files", tag);
      assertThat(manifest.statusCode()).isEqualTo(200);
      assertThat(manifest.headers().firstValue("Docker-Content-Digest")).hasValue(digest);
    }
    JsonNode manifest = JSON.readTree(registry.manifest("web-files", "v1").body());
    assertThat(manifest.path("layers")).hasSize(2);
    JsonNode config = config("web-files", manifest);
    assertThat(config.path("created").asText()).isEqualTo("1970-01-01T00:00:00Z");
    assertThat(texts(config.path("config").path("Entrypoint")))
        .containsExactly("/bin/busybox", "httpd", "-f", "-p", "8080", "-h", "/www");
    assertThat(texts(config.path("config").path("Env"))).contains("GREETING=hi", "MODE=test");
    assertThat(config.path("config").path("ExposedPorts").has("8080/tcp")).isTrue();
    assertThat(
            config.path("config").path("Labels").path("org.opencontainers.image.source").asText())
        .isEqualTo("https://example.test/web");
    assertThat(config.path("config").path("User").asText()).isEqualTo("65534:65534");
    assertThat(config.path("config").path("WorkingDir").asText()).isEqualTo("/www");
    assertThat(
            registry.layerEntries(
                "web-files", manifest.path("layers").get(0).path("digest").asText()))
        .contains("bin/busybox");
    assertThat(context.log())
        .contains("Built layer 'files 1 /bin/busybox'")
        .contains("2 layers uploaded");

    assertThat(runAndGet(context.outputs.get("image-ref"), 8080, "/index.html"))
        .isEqualTo("hello from a gantry image\n");
  }

  @Test
  void theSameInputsGiveTheSameDigestEvenWithAnEmptyCacheAndUploadNothingTheSecondTime()
      throws Exception {
    RecordingContext first = filesImage("same", "one");
    assertThat(new BuildImageAction().run(first).succeeded()).as(first.log()).isTrue();
    long mark = registry.mark();

    RecordingContext second =
        new RecordingContext(
            new BuildImageAction(),
            dir.resolve("ws"),
            dir.resolve("other-cache"),
            filesImage("same", "two").inputs);
    ActionResult again = new BuildImageAction().run(second);

    assertThat(again.succeeded()).as(again.message()).isTrue();
    assertThat(second.outputs.get("digest")).isEqualTo(first.outputs.get("digest"));
    assertThat(registry.uploadsSince(mark)).isEmpty();
    assertThat(second.log()).contains("0 layers uploaded").contains("2 already in the registry");
  }

  @Test
  void aJavaServiceIsLayeredLikeTheJibMavenPluginAndAnswersFromPodman() throws Exception {
    RecordingContext context = javaImage("java-app", "v1", "Hello");
    context.inputs.put("jvm-flags", "-Xss512k -Dapp.mode=\"in a container\"");
    context.inputs.put("cmd", "one two");

    ActionResult result = new BuildImageAction().run(context);

    assertThat(result.succeeded()).as(result.message() + "\n" + context.log()).isTrue();
    JsonNode manifest = JSON.readTree(registry.manifest("java-app", "v1").body());
    List<String> layers = digests(manifest);
    assertThat(layers).hasSize(javaBaseLayers + 4);
    assertThat(layers.subList(0, javaBaseLayers)).isEqualTo(layers("java-base", "17"));
    List<String> app = layers.subList(javaBaseLayers, layers.size());
    assertThat(registry.layerEntries("java-app", app.get(0))).contains("app/libs/lib-1.0.jar");
    assertThat(registry.layerEntries("java-app", app.get(1)))
        .contains("app/libs/snap-2.0-SNAPSHOT.jar")
        .doesNotContain("app/libs/lib-1.0.jar");
    assertThat(registry.layerEntries("java-app", app.get(2)))
        .contains("app/resources/app/motto.txt")
        .noneMatch(name -> name.endsWith(".class"));
    assertThat(registry.layerEntries("java-app", app.get(3)))
        .contains("app/classes/app/Main.class")
        .noneMatch(name -> name.endsWith(".txt"));
    JsonNode config = config("java-app", manifest).path("config");
    assertThat(texts(config.path("Entrypoint")))
        .containsExactly(
            "java",
            "-Xss512k",
            "-Dapp.mode=in a container",
            "-cp",
            "/app/resources:/app/classes:/app/libs/*",
            "app.Main");
    assertThat(texts(config.path("Cmd"))).containsExactly("one", "two");
    assertThat(texts(config.path("Env"))).contains("JAVA_HOME=/opt/java/openjdk");
    assertThat(context.log())
        .contains("main class app.Main, 1 release and 1 snapshot dependencies")
        .contains("Mounted from the base");

    assertThat(runAndGet(context.outputs.get("image-ref"), 8080, "/"))
        .isEqualTo(
            "Hello from lib 1.0 and snap 2.0-SNAPSHOT; layers all the way down; args=one,two");
  }

  @Test
  void aOneClassChangeRebuildsAndUploadsOnlyTheClassesLayer() throws Exception {
    RecordingContext before = javaImage("java-change", "v1", "Hello");
    assertThat(new BuildImageAction().run(before).succeeded()).as(before.log()).isTrue();
    List<String> layersBefore =
        digests(JSON.readTree(registry.manifest("java-change", "v1").body()));
    JavaApps.writeMain(dir.resolve("ws"), "Bonjour");
    long mark = registry.mark();

    RecordingContext after = javaImage("java-change", "v2", null);
    ActionResult result = new BuildImageAction().run(after);

    assertThat(result.succeeded()).as(result.message()).isTrue();
    JsonNode manifest = JSON.readTree(registry.manifest("java-change", "v2").body());
    List<String> layersAfter = digests(manifest);
    int last = layersAfter.size() - 1;
    assertThat(layersAfter.subList(0, last)).isEqualTo(layersBefore.subList(0, last));
    assertThat(layersAfter.get(last)).isNotEqualTo(layersBefore.get(last));
    // What the registry received: the new classes layer and the new container configuration.
    assertThat(registry.uploadsSince(mark))
        .containsExactlyInAnyOrder(
            layersAfter.get(last), manifest.path("config").path("digest").asText());
    assertThat(after.log())
        .contains("Layer 'dependencies' is unchanged (from the layer cache)")
        .contains("Built layer 'classes'")
        .contains("1 layers uploaded");
    assertThat(runAndGet(after.outputs.get("image-ref"), 8080, "/")).startsWith("Bonjour from lib");
  }

  @Test
  void imageArchivesSavedBeforeServeAsBaseInDockerAndOciFormat() throws Exception {
    RecordingContext server = filesImage("httpd", "v1");
    assertThat(new BuildImageAction().run(server).succeeded()).as(server.log()).isTrue();
    String ref = server.outputs.get("image-ref");
    podman.pull(ref, TestRegistry.USERNAME, TestRegistry.PASSWORD);
    pulled.add(ref);
    Path ws = dir.resolve("ws");
    podman
        .run("save", "--format", "oci-archive", "-o", ws.resolve("base-oci.tar").toString(), ref)
        .orThrow();
    podman
        .run(
            "save",
            "--format",
            "docker-archive",
            "-o",
            ws.resolve("base-docker.tar").toString(),
            ref)
        .orThrow();
    Files.writeString(Files.createDirectories(ws.resolve("more")).resolve("extra.html"), "extra\n");

    for (String base : List.of("oci-archive:base-oci.tar", "docker-archive:base-docker.tar")) {
      String name = base.startsWith("oci") ? "from-oci" : "from-docker";
      RecordingContext context =
          context(
              Map.of(
                  "image", registry.host() + "/" + name,
                  "type", "files",
                  "tags", "v1",
                  "base", base,
                  "layers", "- {from: more/extra.html, to: /www/}"));
      ActionResult result = new BuildImageAction().run(context);

      assertThat(result.succeeded())
          .as(base + ": " + result.message() + "\n" + context.log())
          .isTrue();
      JsonNode manifest = JSON.readTree(registry.manifest(name, "v1").body());
      assertThat(digests(manifest)).as(base).hasSize(3);
      assertThat(texts(config(name, manifest).path("config").path("Entrypoint")))
          .as("the base's entrypoint is kept")
          .startsWith("/bin/busybox", "httpd");
      if (base.startsWith("oci")) {
        String image = context.outputs.get("image-ref");
        assertThat(runAndGet(image, 8080, "/extra.html")).isEqualTo("extra\n");
        assertThat(runAndGet(image, 8080, "/index.html")).isEqualTo("hello from a gantry image\n");
      }
    }
  }

  @Test
  void theRuntimeClasspathOfAMavenProjectIsResolvedWithMvn() throws Exception {
    Tools.require("mvn");
    RecordingContext context = javaImage("java-maven", "v1", "Hello");
    Path ws = dir.resolve("ws");
    Files.writeString(
        ws.resolve("pom.xml"),
        """
        <project xmlns="http://maven.apache.org/POM/4.0.0">
          <modelVersion>4.0.0</modelVersion>
          <groupId>example</groupId>
          <artifactId>app</artifactId>
          <version>1.0</version>
          <dependencies>
            <dependency>
              <groupId>org.snakeyaml</groupId>
              <artifactId>snakeyaml-engine</artifactId>
              <version>2.7</version>
            </dependency>
            <dependency>
              <groupId>org.junit.jupiter</groupId>
              <artifactId>junit-jupiter-api</artifactId>
              <version>5.10.3</version>
              <scope>test</scope>
            </dependency>
          </dependencies>
        </project>
        """);
    context.inputs.put("dependencies", ".");

    ActionResult result = new BuildImageAction().run(context);

    assertThat(result.succeeded()).as(result.message() + "\n" + context.log()).isTrue();
    List<String> layers = digests(JSON.readTree(registry.manifest("java-maven", "v1").body()));
    List<String> libs = registry.layerEntries("java-maven", layers.get(javaBaseLayers));
    assertThat(libs)
        .contains("app/libs/snakeyaml-engine-2.7.jar")
        .noneMatch(n -> n.contains("junit"));
    assertThat(context.log()).contains("1 release and 0 snapshot dependencies");
  }

  @Test
  void concurrentBuildsShareOneLayerCache() throws Exception {
    JavaApps.create(dir.resolve("ws"), "Hello");
    ExecutorService threads = Executors.newFixedThreadPool(2);
    try {
      List<Future<RecordingContext>> builds = new ArrayList<>();
      for (String tag : List.of("c1", "c2")) {
        Callable<RecordingContext> build =
            () -> {
              RecordingContext context = javaImage("java-concurrent", tag, null);
              ActionResult result = new BuildImageAction().run(context);
              assertThat(result.succeeded()).as(result.message()).isTrue();
              return context;
            };
        builds.add(threads.submit(build));
      }
      String first = builds.get(0).get().outputs.get("digest");
      assertThat(builds.get(1).get().outputs.get("digest")).isEqualTo(first);
      assertThat(
              registry
                  .manifest("java-concurrent", "c2")
                  .headers()
                  .firstValue("Docker-Content-Digest"))
          .hasValue(first);
    } finally {
      threads.shutdownNow();
    }
  }

  @Test
  void aLoginRegisteredEarlierInTheJobComesBeforeTheInputs() throws Exception {
    RecordingContext context = filesImage("login-first", "v1");
    context.logins.register(registry.host(), TestRegistry.USERNAME, TestRegistry.PASSWORD);
    context.inputs.put("username", "someone-else");
    context.inputs.put("password", "not-this-one");

    ActionResult result = new BuildImageAction().run(context);

    assertThat(result.succeeded()).as(result.message()).isTrue();
    assertThat(context.log())
        .contains(
            "Credentials for " + registry.host() + ": the amazon-ecr-login login of this job");
    assertThat(context.masks).contains(TestRegistry.PASSWORD, "not-this-one");
  }

  @Test
  void theDockerConfigOfTheUserIsReadLastAuthsAndCredentialHelpers() throws Exception {
    Path docker = Files.createDirectories(dir.resolve("docker"));
    String auth =
        Base64.getEncoder()
            .encodeToString(
                (TestRegistry.USERNAME + ":" + TestRegistry.PASSWORD)
                    .getBytes(StandardCharsets.UTF_8));
    Files.writeString(
        docker.resolve("config.json"),
        "{\"auths\": {\"http://" + registry.host() + "\": {\"auth\": \"" + auth + "\"}}}");
    RecordingContext viaAuths = filesImage("docker-config", "auths");
    viaAuths.inputs.remove("username");
    viaAuths.inputs.remove("password");
    viaAuths.env.put("DOCKER_CONFIG", docker.toString());

    ActionResult result = new BuildImageAction().run(viaAuths);

    assertThat(result.succeeded()).as(result.message()).isTrue();
    assertThat(viaAuths.log())
        .contains(
            "Credentials for " + registry.host() + ": auths in " + docker.resolve("config.json"));
    assertThat(viaAuths.masks).contains(TestRegistry.PASSWORD, auth);

    // A credential helper on the step's PATH, as docker-credential-ecr-login would be.
    Path bin = Files.createDirectories(dir.resolve("bin"));
    Path helper = bin.resolve("docker-credential-gantrytest");
    Files.writeString(
        helper,
        "#!/bin/sh\nread host\n[ \"$1\" = get ] && [ \"$host\" = \""
            + registry.host()
            + "\" ] || exit 1\necho '{\"ServerURL\":\"'$host'\",\"Username\":\""
            + TestRegistry.USERNAME
            + "\",\"Secret\":\""
            + TestRegistry.PASSWORD
            + "\"}'\n");
    helper.toFile().setExecutable(true);
    Files.writeString(
        docker.resolve("config.json"),
        "{\"credHelpers\": {\"" + registry.host() + "\": \"gantrytest\"}}");
    RecordingContext viaHelper = filesImage("docker-config", "helper");
    viaHelper.inputs.remove("username");
    viaHelper.inputs.remove("password");
    viaHelper.env.put("DOCKER_CONFIG", docker.toString());
    viaHelper.env.put("PATH", bin + ":" + System.getenv("PATH"));

    ActionResult helped = new BuildImageAction().run(viaHelper);

    assertThat(helped.succeeded()).as(helped.message()).isTrue();
    assertThat(viaHelper.log())
        .contains("credHelpers 'gantrytest' in " + docker.resolve("config.json"));
  }

  // --- helpers ---

  /** A busybox httpd image serving www/index.html, on scratch. */
  private RecordingContext filesImage(String name, String tags) throws Exception {
    Path ws = Files.createDirectories(dir.resolve("ws"));
    Files.writeString(
        Files.createDirectories(ws.resolve("www")).resolve("index.html"),
        "hello from a gantry image\n");
    Map<String, String> inputs = new HashMap<>();
    inputs.put("image", registry.host() + "/" + name);
    inputs.put("type", "files");
    inputs.put("tags", tags);
    inputs.put(
        "layers",
        "- {from: "
            + Tools.find("busybox")
            + ", to: /bin/busybox, mode: 755}\n"
            + "- {from: www, to: /www}\n");
    inputs.put(
        "entrypoint", "[\"/bin/busybox\", \"httpd\", \"-f\", \"-p\", \"8080\", \"-h\", \"/www\"]");
    inputs.put("ports", "8080");
    return context(inputs);
  }

  /** The test Java service on the Java base; {@code greeting} null keeps what is compiled. */
  private RecordingContext javaImage(String name, String tag, String greeting) throws Exception {
    Path ws = dir.resolve("ws");
    if (greeting != null) {
      JavaApps.create(ws, greeting);
    }
    return context(
        Map.of(
            "image", registry.host() + "/" + name,
            "type", "java",
            "tags", tag,
            "base", javaBase,
            "dependencies", "target/dependency",
            "main-class", "app.Main",
            "ports", "8080"));
  }

  private RecordingContext context(Map<String, String> inputs) throws Exception {
    RecordingContext context =
        new RecordingContext(
            new BuildImageAction(),
            Files.createDirectories(dir.resolve("ws")),
            dir.resolve("cache"),
            inputs);
    context.inputs.putIfAbsent("username", TestRegistry.USERNAME);
    context.inputs.putIfAbsent("password", TestRegistry.PASSWORD);
    return context;
  }

  private static String runAndGet(String image, int port, String path) throws Exception {
    podman.pull(image, TestRegistry.USERNAME, TestRegistry.PASSWORD);
    pulled.add(image);
    Podman.Container container = podman.start(image, port);
    try {
      return podman.httpGet(container, path);
    } finally {
      podman.removeContainer(container);
    }
  }

  private static List<String> layers(String repository, String reference) throws Exception {
    return digests(JSON.readTree(registry.manifest(repository, reference).body()));
  }

  private static List<String> digests(JsonNode manifest) {
    List<String> digests = new ArrayList<>();
    manifest.path("layers").forEach(layer -> digests.add(layer.path("digest").asText()));
    return digests;
  }

  private static JsonNode config(String repository, JsonNode manifest) throws Exception {
    return JSON.readTree(
        registry.blob(repository, manifest.path("config").path("digest").asText()));
  }

  private static List<String> texts(JsonNode array) {
    List<String> texts = new ArrayList<>();
    array.forEach(node -> texts.add(node.asText()));
    return texts;
  }
}
