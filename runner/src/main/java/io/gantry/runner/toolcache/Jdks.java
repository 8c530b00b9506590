package io.gantry.runner.toolcache;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * JDKs installed on the host, read from each home's {@code release} file, and the tool-cache
 * folders {@code actions/setup-java} looks in for them: {@code Java_<distribution>_jdk}, where the
 * distribution is the name its installer classes pass to their base class ({@code Temurin-Hotspot},
 * {@code Zulu}, {@code Corretto}, {@code Liberica}, {@code Microsoft}, {@code SapMachine}, {@code
 * IBM_Semeru}, {@code Oracle}, {@code Dragonwell}, {@code JetBrains}, {@code Kona}), read from
 * setup-java v5's {@code dist/setup}.
 */
final class Jdks {

  /**
   * @param version as setup-java names tool-cache versions: semver, {@code +} as {@code -}
   * @param distributions the setup-java distribution folder names this JDK answers to
   */
  record Jdk(Path home, String version, List<String> distributions) {
    List<String> toolCacheFolders() {
      return distributions.stream().map(d -> "Java_" + d + "_jdk").toList();
    }
  }

  /**
   * The vendor in the {@code IMPLEMENTOR} of a {@code release} file, lower-case, to setup-java's
   * distribution. A build of plain OpenJDK (Debian's, Ubuntu's, a distribution's package) is
   * offered as Temurin, the OpenJDK build GitHub's runner images carry and the one most workflows
   * ask for ({@code distribution: temurin}).
   */
  private static final Map<String, String> VENDORS =
      Map.ofEntries(
          Map.entry("eclipse adoptium", "Temurin-Hotspot"),
          Map.entry("adoptium", "Temurin-Hotspot"),
          Map.entry("azul systems, inc.", "Zulu"),
          Map.entry("amazon.com inc.", "Corretto"),
          Map.entry("bellsoft", "Liberica"),
          Map.entry("microsoft", "Microsoft"),
          Map.entry("sap se", "SapMachine"),
          Map.entry("ibm corporation", "IBM_Semeru"),
          Map.entry("international business machines corporation", "IBM_Semeru"),
          Map.entry("alibaba", "Dragonwell"),
          Map.entry("jetbrains s.r.o.", "JetBrains"),
          Map.entry("tencent", "Kona"),
          Map.entry("debian", "Temurin-Hotspot"),
          Map.entry("ubuntu", "Temurin-Hotspot"),
          Map.entry("n/a", "Temurin-Hotspot"),
          Map.entry("red hat, inc.", "Temurin-Hotspot"));

  private Jdks() {}

  /** The JDKs at the locations (homes, or folders of homes), each home once, in order. */
  static List<Jdk> find(List<Path> locations) throws IOException {
    Set<Path> homes = new LinkedHashSet<>();
    for (Path location : locations) {
      if (location == null || !Files.isDirectory(location)) {
        continue;
      }
      if (isJdk(location)) {
        homes.add(location.toRealPath());
        continue;
      }
      try (Stream<Path> children = Files.list(location)) {
        for (Path child : children.sorted().toList()) {
          if (!child.getFileName().toString().startsWith(".") && isJdk(child)) {
            homes.add(child.toRealPath());
          }
        }
      }
    }
    List<Jdk> jdks = new ArrayList<>();
    for (Path home : homes) {
      Map<String, String> release = release(home.resolve("release"));
      String version = release.get("JAVA_VERSION");
      if (version == null) {
        continue;
      }
      String implementor = release.getOrDefault("IMPLEMENTOR", "n/a").toLowerCase(Locale.ROOT);
      String vendor = VENDORS.get(implementor);
      if (vendor == null && implementor.startsWith("oracle")) {
        // Oracle's own JDK says "Oracle Corporation" with a commercial version string; an
        // OpenJDK build from jdk.java.net says the same but has no "LTS"/vendor suffix.
        vendor =
            release.getOrDefault("JAVA_RUNTIME_VERSION", "").contains("LTS")
                ? "Oracle"
                : "Temurin-Hotspot";
      }
      if (vendor == null) {
        vendor = "Temurin-Hotspot";
      }
      jdks.add(new Jdk(home, semver(version), List.of(vendor)));
    }
    // A real Temurin of a version before a generic OpenJDK offered under the same name.
    List<Jdk> ordered = new ArrayList<>(jdks);
    ordered.sort((a, b) -> Boolean.compare(isGeneric(a), isGeneric(b)));
    return ordered;
  }

  private static boolean isGeneric(Jdk jdk) {
    try {
      String implementor = release(jdk.home().resolve("release")).getOrDefault("IMPLEMENTOR", "");
      return !implementor.toLowerCase(Locale.ROOT).contains("adoptium");
    } catch (IOException e) {
      return true;
    }
  }

  private static boolean isJdk(Path home) {
    return Files.isRegularFile(home.resolve("release"))
        && Files.isExecutable(home.resolve("bin/java"))
        && Files.isExecutable(home.resolve("bin/javac"));
  }

  /** {@code 25} as {@code 25.0.0}, {@code 1.8.0_402} as {@code 8.0.402}; {@code +} as {@code -}. */
  static String semver(String javaVersion) {
    String v = javaVersion.strip();
    if (v.startsWith("1.8.0_")) {
      v = "8.0." + v.substring("1.8.0_".length());
    }
    String[] parts = v.split("\\.", -1);
    StringBuilder out = new StringBuilder(v);
    for (int i = parts.length; i < 3; i++) {
      out.append(".0");
    }
    return out.toString().replace('+', '-');
  }

  /** KEY="value" lines. */
  private static Map<String, String> release(Path file) throws IOException {
    Map<String, String> values = new HashMap<>();
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      int eq = line.indexOf('=');
      if (eq > 0) {
        String value = line.substring(eq + 1).strip();
        if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
          value = value.substring(1, value.length() - 1);
        }
        values.put(line.substring(0, eq).strip(), value);
      }
    }
    return values;
  }
}
