package io.gantry.runner.action.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gantry.runner.action.image.ImageRequest.ArchiveBase;
import io.gantry.runner.action.image.ImageRequest.FileLayer;
import io.gantry.runner.action.image.ImageRequest.RegistryBase;
import io.gantry.runner.action.image.ImageRequest.Scratch;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Reading the inputs of {@code gantry/build-image}: values, defaults, and one-line errors. */
class ImageInputsTest {

  private static final String SHA = "0123456789abcdef0123456789abcdef01234567";

  @TempDir Path ws;

  @BeforeEach
  void workspace() throws Exception {
    Files.createDirectories(ws.resolve("target/classes/app"));
    Files.createDirectories(ws.resolve("dist"));
    Files.writeString(ws.resolve("dist/run.sh"), "#!/bin/sh\n");
    Files.writeString(ws.resolve("base.tar"), "not really a tar");
  }

  @Test
  void aFilesImageWithEveryInput() throws Exception {
    ImageRequest request =
        parse(
            Map.ofEntries(
                Map.entry("image", "127.0.0.1:5000/web"),
                Map.entry("type", "files"),
                Map.entry("tags", "v1, latest\nv1\nrc-2"),
                Map.entry("base", "127.0.0.1:5000/base:1"),
                Map.entry("platform", "linux/amd64,linux/arm64"),
                Map.entry(
                    "layers",
                    "- from: dist\n  to: /app\n  mode: 0755\n- {from: dist/run.sh, to: /bin/}\n"),
                Map.entry("entrypoint", "[\"/bin/sh\", \"-c\"]"),
                Map.entry("cmd", "echo 'hello world' \"a b\" c\\ d"),
                Map.entry("workdir", "/app"),
                Map.entry("user", "1000:1000"),
                Map.entry("env", "B=2\nA=1=one\n\n"),
                Map.entry("ports", "8080, 53/udp 7000-7002"),
                Map.entry("labels", "org.opencontainers.image.source = https://x.test/web"),
                Map.entry("allow-insecure-registries", "true")));

    assertThat(request.repository()).isEqualTo("127.0.0.1:5000/web");
    assertThat(request.tags()).containsExactly("v1", "latest", "rc-2");
    assertThat(request.base()).isEqualTo(new RegistryBase("127.0.0.1:5000/base:1"));
    assertThat(request.platforms()).containsExactly("linux/amd64", "linux/arm64");
    assertThat(request.java()).isNull();
    assertThat(request.layers())
        .containsExactly(
            new FileLayer(ws.resolve("dist"), "/app", "755"),
            new FileLayer(ws.resolve("dist/run.sh"), "/bin/", null));
    assertThat(request.container().entrypoint()).containsExactly("/bin/sh", "-c");
    assertThat(request.container().cmd()).containsExactly("echo", "hello world", "a b", "c d");
    assertThat(request.container().env())
        .containsExactly(Map.entry("A", "1=one"), Map.entry("B", "2"));
    assertThat(request.container().ports()).containsExactly("8080", "53/udp", "7000-7002");
    assertThat(request.container().labels())
        .containsExactly(Map.entry("org.opencontainers.image.source", "https://x.test/web"));
    assertThat(request.container().workdir()).isEqualTo("/app");
    assertThat(request.container().user()).isEqualTo("1000:1000");
    assertThat(request.allowInsecureRegistries()).isTrue();
  }

  @Test
  void defaultsAreTheCommitAsTagScratchForFilesAndTargetClassesForJava() throws Exception {
    ImageRequest files = parse(Map.of("type", "files", "layers", "- {from: dist, to: /app}"));
    assertThat(files.tags()).containsExactly(SHA);
    assertThat(files.base()).isInstanceOf(Scratch.class);
    assertThat(files.platforms()).containsExactly("linux/amd64");
    assertThat(files.allowInsecureRegistries()).isFalse();

    ImageRequest java = parse(Map.of("type", "java", "base", "127.0.0.1:5000/java:17"));
    assertThat(java.java().classes()).isEqualTo(ws.resolve("target/classes"));
    assertThat(java.java().resources()).isEqualTo(ws.resolve("target/classes"));
    assertThat(java.java().dependencies()).isNull();
    assertThat(java.java().mainClass()).isNull();
    assertThat(java.container().entrypoint()).isNull();
  }

  @Test
  void archiveBasesAreFilesInTheWorkspace() throws Exception {
    assertThat(parse(Map.of("type", "files", "base", "oci-archive:base.tar")).base())
        .isEqualTo(new ArchiveBase(ws.resolve("base.tar"), true));
    assertThat(parse(Map.of("type", "files", "base", "docker-archive:base.tar")).base())
        .isEqualTo(new ArchiveBase(ws.resolve("base.tar"), false));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
type=jar | input 'type' 'jar' is unknown; use java or files
type= | input 'type' is missing; use java (a Java application) or files (any files on a base image)
image=127.0.0.1:5000/web:v1 | input 'image' '127.0.0.1:5000/web:v1' has a tag or digest; give the repository only (e.g. 127.0.0.1:5000/web) and the tags in 'tags'
image=Web App | input 'image' 'Web App' is not a repository name; use REGISTRY/NAME in lower case, e.g. 127.0.0.1:5000/web or 123456789012.dkr.ecr.us-east-1.amazonaws.com/web
tags=v1 beta | input 'tags' 'v1 beta' is not a valid tag; use letters, digits, '_', '.' and '-' (at most 128, not starting with '.' or '-')
tags=.hidden | input 'tags' '.hidden' is not a valid tag; use letters, digits, '_', '.' and '-' (at most 128, not starting with '.' or '-')
base=oci-archive:missing.tar | input 'base' 'oci-archive:missing.tar': there is no file WS/missing.tar
base=http://registry/x | input 'base' 'http://registry/x' is not an image reference; use REGISTRY/NAME:TAG (or @sha256:...), scratch, oci-archive:PATH or docker-archive:PATH
platform=amd64 | input 'platform' 'amd64' is not os/architecture, e.g. linux/amd64 or linux/arm64
layers=from: dist | input 'layers' must be a YAML list of {from, to, mode}, e.g. '- {from: dist, to: /app}'
layers=- {from: dist, too: /app} | input 'layers[1]' has the unknown key 'too'; use from, to and mode
layers=- {from: dist} | input 'layers[1]' needs both 'from' (a file or folder) and 'to' (a path in the image)
layers=- {from: nope, to: /app} | input 'layers[1].from' 'nope' does not exist (looked at WS/nope)
layers=- {from: dist, to: app} | input 'layers[1].to' 'app' must be an absolute path in the image, e.g. /app
layers=- {from: dist, to: /app, mode: 4755} | input 'layers[1].mode' '4755' is not octal permissions such as 755 or 0644 (no setuid, setgid or sticky bits)
layers=- [unclosed | input 'layers' is not YAML:
entrypoint=["sh", 1] | input 'entrypoint' has 1 in its JSON array; every element must be a string
cmd=echo "unclosed | input 'cmd' has an unclosed " quote
workdir=app | input 'workdir' 'app' must be an absolute path in the image, e.g. /app
env=JUST_A_NAME | input 'env' line 'JUST_A_NAME' is not NAME=value; write one NAME=value per line
env=1X=y | input 'env' line '1X=y' is not NAME=value; write one NAME=value per line
ports=http | input 'ports' 'http' is not a port; use 8080, 8080/tcp, 53/udp or 7000-7010
allow-insecure-registries=yes | input 'allow-insecure-registries' 'yes' is not true or false
main-class=com.example.Main | input 'main-class' applies to type java only; remove it, or use type java
""")
  void badInputIsOneLineNamingTheInput(String input, String expected) {
    int eq = input.indexOf('=');
    Map<String, String> inputs = new HashMap<>();
    inputs.put("type", "files");
    inputs.put("layers", "- {from: dist, to: /app}");
    inputs.put(input.substring(0, eq), input.substring(eq + 1).replace("\\n", "\n"));

    assertThatThrownBy(() -> parse(inputs))
        .isInstanceOf(ImageException.class)
        .hasMessageStartingWith(expected.replace("WS", ws.toString()))
        .message()
        .doesNotContain("\n");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
base= | input 'base' is missing: type java needs an image with a Java runtime, e.g. the one 'gantry base-image' pushes
entrypoint=java -jar x.jar | input 'entrypoint' is built from main-class and jvm-flags for type java; remove it, or use type files
classes=build/classes | input 'classes' 'build/classes' is not a folder (looked at WS/build/classes)
jar=target/app.jar | input 'jar' 'target/app.jar' is not a file (looked at WS/target/app.jar)
main-class=com.example. | input 'main-class' 'com.example.' is not a class name, e.g. com.example.Main
dependencies=dist/run.sh | input 'dependencies' 'dist/run.sh' must be a folder of jars, a Maven project or its pom.xml
jvm-flags=-Dx='a | input 'jvm-flags' has an unclosed ' quote
""")
  void badJavaInputIsOneLineNamingTheInput(String input, String expected) {
    int eq = input.indexOf('=');
    Map<String, String> inputs = new HashMap<>();
    inputs.put("type", "java");
    inputs.put("base", "127.0.0.1:5000/java:17");
    inputs.put(input.substring(0, eq), input.substring(eq + 1));

    assertThatThrownBy(() -> parse(inputs))
        .isInstanceOf(ImageException.class)
        .hasMessage(expected.replace("WS", ws.toString()));
  }

  @Test
  void aJarExcludesClassesAndAFilesImageOnScratchNeedsLayers() throws Exception {
    Files.writeString(ws.resolve("app.jar"), "jar");
    assertThatThrownBy(
            () ->
                parse(
                    Map.of(
                        "type",
                        "java",
                        "base",
                        "b.test/java:17",
                        "jar",
                        "app.jar",
                        "classes",
                        "target/classes")))
        .hasMessage(
            "input 'classes' cannot go with 'jar': a packaged jar holds the classes and"
                + " resources; give one or the other");
    assertThatThrownBy(() -> parse(Map.of("type", "files")))
        .hasMessage(
            "input 'layers' is empty and the base is scratch: the image would hold nothing");
    assertThat(
            parse(Map.of("type", "java", "base", "b.test/java:17", "jar", "app.jar")).java().jar())
        .isEqualTo(ws.resolve("app.jar"));
  }

  @Test
  void noTagsAndNoCommitIsAnError() {
    Map<String, String> inputs = new HashMap<>(base());
    inputs.putAll(Map.of("type", "files", "layers", "- {from: dist, to: /app}"));
    assertThatThrownBy(() -> ImageInputs.parse(inputs, ws, ""))
        .hasMessage("input 'tags' is empty and the run has no commit to tag with; give tags");
  }

  @Test
  void theDeclaredInputsAreTheDocumentedOnes() {
    assertThat(ImageInputs.DECLARED.keySet())
        .containsExactly(
            "image",
            "tags",
            "base",
            "platform",
            "type",
            "classes",
            "resources",
            "jar",
            "dependencies",
            "main-class",
            "jvm-flags",
            "layers",
            "entrypoint",
            "cmd",
            "workdir",
            "user",
            "env",
            "ports",
            "labels",
            "allow-insecure-registries",
            "username",
            "password");
    assertThat(ImageInputs.DECLARED)
        .containsEntry("platform", "linux/amd64")
        .containsEntry("allow-insecure-registries", "false");
  }

  private ImageRequest parse(Map<String, String> given) throws ImageException {
    Map<String, String> inputs = new HashMap<>(base());
    inputs.putAll(given);
    return ImageInputs.parse(inputs, ws, SHA);
  }

  private static Map<String, String> base() {
    Map<String, String> inputs = new HashMap<>();
    ImageInputs.DECLARED.forEach(
        (k, v) -> {
          if (v != null) {
            inputs.put(k, v);
          }
        });
    inputs.put("image", "127.0.0.1:5000/web");
    return inputs;
  }
}
