package io.gantry.runner.action.image;

import io.gantry.runner.action.image.ImageRequest.ArchiveBase;
import io.gantry.runner.action.image.ImageRequest.Base;
import io.gantry.runner.action.image.ImageRequest.Container;
import io.gantry.runner.action.image.ImageRequest.FileLayer;
import io.gantry.runner.action.image.ImageRequest.JavaApp;
import io.gantry.runner.action.image.ImageRequest.RegistryBase;
import io.gantry.runner.action.image.ImageRequest.Scratch;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.schema.FailsafeSchema;

/**
 * Reads the inputs of {@code gantry/build-image} into an {@link ImageRequest}. Everything that can
 * be checked without a registry is checked here, and the first problem is reported as one line
 * naming the input and the fix.
 */
public final class ImageInputs {

  /** The inputs with their defaults (null: none), in the order the README documents them. */
  public static final Map<String, String> DECLARED;

  static {
    Map<String, String> inputs = new LinkedHashMap<>();
    inputs.put("image", null);
    inputs.put("tags", null);
    inputs.put("base", null);
    inputs.put("platform", "linux/amd64");
    inputs.put("type", null);
    inputs.put("classes", null);
    inputs.put("resources", null);
    inputs.put("jar", null);
    inputs.put("dependencies", null);
    inputs.put("main-class", null);
    inputs.put("jvm-flags", null);
    inputs.put("layers", null);
    inputs.put("entrypoint", null);
    inputs.put("cmd", null);
    inputs.put("workdir", null);
    inputs.put("user", null);
    inputs.put("env", null);
    inputs.put("ports", null);
    inputs.put("labels", null);
    inputs.put("allow-insecure-registries", "false");
    inputs.put("username", null);
    inputs.put("password", null);
    DECLARED = Collections.unmodifiableMap(inputs);
  }

  /** Inputs that only a Java application takes. */
  private static final List<String> JAVA_ONLY =
      List.of("classes", "resources", "jar", "dependencies", "main-class", "jvm-flags");

  /** Docker's tag grammar. */
  private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");

  private static final Pattern JAVA_NAME =
      Pattern.compile("[\\p{L}_$][\\p{L}\\p{N}_$]*(\\.[\\p{L}_$][\\p{L}\\p{N}_$]*)*");

  private static final Pattern PORT = Pattern.compile("\\d{1,5}(-\\d{1,5})?(/(tcp|udp))?");

  private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  private static final Pattern MODE = Pattern.compile("0?[0-7]{3}");

  private final Map<String, String> inputs;
  private final Path workspace;

  private ImageInputs(Map<String, String> inputs, Path workspace) {
    this.inputs = inputs;
    this.workspace = workspace;
  }

  /**
   * Reads the inputs.
   *
   * @param inputs the step's inputs, evaluated
   * @param workspace the folder relative paths start from
   * @param commit the run's commit, the default tag; may be empty
   */
  public static ImageRequest parse(Map<String, String> inputs, Path workspace, String commit)
      throws ImageException {
    return new ImageInputs(inputs, workspace.toAbsolutePath().normalize()).read(commit);
  }

  private ImageRequest read(String commit) throws ImageException {
    String type = get("type");
    if (!type.equals("java") && !type.equals("files")) {
      throw bad(
          "type",
          type.isEmpty()
              ? "is missing; use java (a Java application) or files (any files on a base image)"
              : "'" + type + "' is unknown; use java or files");
    }
    String repository = repository();
    List<String> tags = tags(commit);
    Base base = base(type);
    List<String> platforms = platforms();
    JavaApp java;
    if (type.equals("java")) {
      java = java();
      if (!get("entrypoint").isEmpty()) {
        throw bad(
            "entrypoint",
            "is built from main-class and jvm-flags for type java; remove it, or use type files");
      }
    } else {
      for (String name : JAVA_ONLY) {
        if (!get(name).isEmpty()) {
          throw bad(name, "applies to type java only; remove it, or use type java");
        }
      }
      java = null;
    }
    List<FileLayer> layers = layers();
    if (java == null && layers.isEmpty() && base instanceof Scratch) {
      throw bad("layers", "is empty and the base is scratch: the image would hold nothing");
    }
    Container container =
        new Container(
            command("entrypoint"),
            command("cmd"),
            absolute("workdir"),
            emptyToNull(get("user")),
            pairs("env", true),
            ports(),
            pairs("labels", false));
    return new ImageRequest(
        repository,
        tags,
        base,
        platforms,
        java,
        layers,
        container,
        flag("allow-insecure-registries"));
  }

  private String repository() throws ImageException {
    String image = get("image");
    if (image.isEmpty()) {
      throw bad("image", "is missing; give the repository to push to, e.g. 127.0.0.1:5000/web");
    }
    int slash = image.lastIndexOf('/');
    String last = image.substring(slash + 1);
    if (last.contains("@") || last.contains(":")) {
      throw bad(
          "image",
          "'"
              + image
              + "' has a tag or digest; give the repository only (e.g. "
              + image.substring(0, slash + 1)
              + last.replaceAll("[:@].*", "")
              + ") and the tags in 'tags'");
    }
    if (!Registries.isValidReference(image)) {
      throw bad(
          "image",
          "'"
              + image
              + "' is not a repository name; use REGISTRY/NAME in lower case, e.g."
              + " 127.0.0.1:5000/web or 123456789012.dkr.ecr.us-east-1.amazonaws.com/web");
    }
    return image;
  }

  private List<String> tags(String commit) throws ImageException {
    Set<String> tags = new LinkedHashSet<>(Words.list(get("tags")));
    if (tags.isEmpty()) {
      if (commit == null || commit.isEmpty()) {
        throw bad("tags", "is empty and the run has no commit to tag with; give tags");
      }
      tags.add(commit);
    }
    for (String tag : tags) {
      if (!TAG.matcher(tag).matches()) {
        throw bad(
            "tags",
            "'"
                + tag
                + "' is not a valid tag; use letters, digits, '_', '.' and '-' (at most 128,"
                + " not starting with '.' or '-')");
      }
    }
    return List.copyOf(tags);
  }

  private Base base(String type) throws ImageException {
    String base = get("base");
    if (base.isEmpty()) {
      if (type.equals("java")) {
        throw bad(
            "base",
            "is missing: type java needs an image with a Java runtime, e.g. the one"
                + " 'gantry base-image' pushes");
      }
      return new Scratch();
    }
    if (base.equals("scratch")) {
      return new Scratch();
    }
    for (String prefix : List.of("oci-archive:", "docker-archive:")) {
      if (base.startsWith(prefix)) {
        Path path = workspace.resolve(base.substring(prefix.length())).normalize();
        if (!Files.isRegularFile(path)) {
          throw bad("base", "'" + base + "': there is no file " + path);
        }
        return new ArchiveBase(path, prefix.equals("oci-archive:"));
      }
    }
    if (!Registries.isValidReference(base)) {
      throw bad(
          "base",
          "'"
              + base
              + "' is not an image reference; use REGISTRY/NAME:TAG (or @sha256:...), scratch,"
              + " oci-archive:PATH or docker-archive:PATH");
    }
    return new RegistryBase(base);
  }

  private List<String> platforms() throws ImageException {
    List<String> platforms = Words.list(get("platform"));
    if (platforms.isEmpty()) {
      throw bad("platform", "is empty; use os/architecture, e.g. linux/amd64");
    }
    for (String platform : platforms) {
      String[] parts = platform.split("/");
      if (parts.length != 2 || parts[0].isBlank() || parts[1].isBlank()) {
        throw bad(
            "platform",
            "'" + platform + "' is not os/architecture, e.g. linux/amd64 or linux/arm64");
      }
    }
    return platforms;
  }

  private JavaApp java() throws ImageException {
    Path jar = existing("jar", false);
    Path classes = existing("classes", true);
    Path resources = existing("resources", true);
    if (jar != null && (classes != null || resources != null)) {
      throw bad(
          classes != null ? "classes" : "resources",
          "cannot go with 'jar': a packaged jar holds the classes and resources; give one or"
              + " the other");
    }
    if (jar == null && classes == null) {
      classes = workspace.resolve("target/classes");
      if (!Files.isDirectory(classes)) {
        throw bad(
            "classes",
            "is not given and target/classes does not exist in the workspace; build the"
                + " project first (mvn package) or point 'classes' (or 'jar') at the application");
      }
    }
    if (jar == null && resources == null) {
      // As the Jib Maven plugin does with target/classes: the .class files go to the classes
      // layer, everything else in the folder to the resources layer.
      resources = classes;
    }
    Path dependencies = existing("dependencies", true);
    String mainClass = get("main-class");
    if (!mainClass.isEmpty() && !JAVA_NAME.matcher(mainClass).matches()) {
      throw bad("main-class", "'" + mainClass + "' is not a class name, e.g. com.example.Main");
    }
    List<String> flags;
    try {
      flags = Words.command(get("jvm-flags"));
    } catch (IllegalArgumentException e) {
      throw bad("jvm-flags", e.getMessage());
    }
    return new JavaApp(classes, resources, jar, dependencies, emptyToNull(mainClass), flags);
  }

  private List<FileLayer> layers() throws ImageException {
    String text = get("layers");
    if (text.isBlank()) {
      return List.of();
    }
    Object parsed;
    try {
      parsed =
          new Load(LoadSettings.builder().setSchema(new FailsafeSchema()).build())
              .loadFromString(text);
    } catch (YamlEngineException e) {
      throw bad("layers", "is not YAML: " + e.getMessage().replace('\n', ' '));
    }
    if (!(parsed instanceof List<?> items)) {
      throw bad(
          "layers", "must be a YAML list of {from, to, mode}, e.g. '- {from: dist, to: /app}'");
    }
    List<FileLayer> layers = new ArrayList<>();
    int index = 0;
    for (Object item : items) {
      index++;
      String where = "layers[" + index + "]";
      if (!(item instanceof Map<?, ?> map)) {
        throw bad(where, "must be a mapping {from, to, mode}, got '" + item + "'");
      }
      for (Object key : map.keySet()) {
        if (!Set.of("from", "to", "mode").contains(String.valueOf(key))) {
          throw bad(where, "has the unknown key '" + key + "'; use from, to and mode");
        }
      }
      String from = string(map.get("from"));
      String to = string(map.get("to"));
      String mode = string(map.get("mode"));
      if (from.isEmpty() || to.isEmpty()) {
        throw bad(where, "needs both 'from' (a file or folder) and 'to' (a path in the image)");
      }
      Path source = workspace.resolve(from).normalize();
      if (!Files.exists(source)) {
        throw bad(where + ".from", "'" + from + "' does not exist (looked at " + source + ")");
      }
      if (!to.startsWith("/")) {
        throw bad(where + ".to", "'" + to + "' must be an absolute path in the image, e.g. /app");
      }
      if (!mode.isEmpty() && !MODE.matcher(mode).matches()) {
        throw bad(
            where + ".mode",
            "'"
                + mode
                + "' is not octal permissions such as 755 or 0644 (no setuid, setgid or"
                + " sticky bits)");
      }
      layers.add(
          new FileLayer(source, to, mode.isEmpty() ? null : mode.substring(mode.length() - 3)));
    }
    return layers;
  }

  private List<String> command(String name) throws ImageException {
    String text = get(name);
    if (text.isBlank()) {
      return null;
    }
    try {
      return Words.command(text);
    } catch (IllegalArgumentException e) {
      throw bad(name, e.getMessage());
    }
  }

  private String absolute(String name) throws ImageException {
    String path = get(name);
    if (path.isEmpty()) {
      return null;
    }
    if (!path.startsWith("/")) {
      throw bad(name, "'" + path + "' must be an absolute path in the image, e.g. /app");
    }
    return path;
  }

  private Map<String, String> pairs(String name, boolean envNames) throws ImageException {
    Map<String, String> pairs = new LinkedHashMap<>();
    for (String line : Words.lines(get(name))) {
      int eq = line.indexOf('=');
      String key = eq < 0 ? "" : line.substring(0, eq).strip();
      if (key.isEmpty() || (envNames && !ENV_NAME.matcher(key).matches())) {
        throw bad(name, "line '" + line + "' is not NAME=value; write one NAME=value per line");
      }
      pairs.put(key, line.substring(eq + 1).strip());
    }
    return pairs;
  }

  private List<String> ports() throws ImageException {
    List<String> ports = new ArrayList<>();
    for (String port : get("ports").split("[,\\s]+")) {
      if (port.isEmpty()) {
        continue;
      }
      if (!PORT.matcher(port).matches()) {
        throw bad("ports", "'" + port + "' is not a port; use 8080, 8080/tcp, 53/udp or 7000-7010");
      }
      ports.add(port);
    }
    return ports;
  }

  private boolean flag(String name) throws ImageException {
    String value = get(name);
    if (value.equals("true") || value.equals("false") || value.isEmpty()) {
      return value.equals("true");
    }
    throw bad(name, "'" + value + "' is not true or false");
  }

  private Path existing(String name, boolean directory) throws ImageException {
    String value = get(name);
    if (value.isEmpty()) {
      return null;
    }
    Path path = workspace.resolve(value).normalize();
    if (directory && name.equals("dependencies") && Files.isRegularFile(path)) {
      if (path.getFileName().toString().equals("pom.xml")) {
        return path.getParent();
      }
      throw bad(name, "'" + value + "' must be a folder of jars, a Maven project or its pom.xml");
    }
    if (directory ? !Files.isDirectory(path) : !Files.isRegularFile(path)) {
      throw bad(
          name,
          "'"
              + value
              + "' is not "
              + (directory ? "a folder" : "a file")
              + " (looked at "
              + path
              + ")");
    }
    return path;
  }

  private String get(String name) {
    String value = inputs.get(name);
    return value == null ? "" : value.strip();
  }

  private static String string(Object value) {
    return value == null ? "" : value.toString().strip();
  }

  private static String emptyToNull(String s) {
    return s.isEmpty() ? null : s;
  }

  private static ImageException bad(String input, String problem) {
    return new ImageException("input '" + input + "' " + problem);
  }
}
