package io.gantry.runner.container;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The labels and names of Gantry's containers and networks: how they are found again after a crash
 * ({@link Orphans}). A container belongs to a run of one data directory (the store that knows
 * whether the run is still going); its network's name carries the same.
 */
final class Labels {

  static final String MANAGED = "io.gantry.managed";
  static final String STORE = "io.gantry.store";
  static final String RUN = "io.gantry.run";
  static final String JOB = "io.gantry.job";
  static final String ROLE = "io.gantry.role";

  private Labels() {}

  /** 12 hex digits naming the data directory. */
  static String store(Path dataDir) {
    try {
      byte[] hash =
          MessageDigest.getInstance("SHA-256")
              .digest(
                  dataDir.toAbsolutePath().normalize().toString().getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(hash, 0, 6);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The {@code --label} arguments of a container or network. */
  static List<String> args(String store, long runId, String jobKey, String role) {
    return List.of(
        "--label",
        MANAGED + "=true",
        "--label",
        STORE + "=" + store,
        "--label",
        RUN + "=" + runId,
        "--label",
        JOB + "=" + jobKey,
        "--label",
        ROLE + "=" + role);
  }

  /** The labels of a container or network. */
  static Map<String, String> map(String store, long runId, String jobKey, String role) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(MANAGED, "true");
    labels.put(STORE, store);
    labels.put(RUN, Long.toString(runId));
    labels.put(JOB, jobKey);
    labels.put(ROLE, role);
    return labels;
  }

  /** A network's name: {@code gantry-STORE-RUN-RANDOM}. */
  static String network(String store, long runId, String random) {
    return "gantry-" + store + "-" + runId + "-" + random;
  }

  /** The part of a name Podman accepts ([a-zA-Z0-9_.-]), at most 40 characters. */
  static String safe(String text) {
    String s = text.replaceAll("[^a-zA-Z0-9_.-]+", "-").replaceAll("^[^a-zA-Z0-9]+", "");
    return s.length() > 40 ? s.substring(0, 40) : s.isEmpty() ? "job" : s;
  }
}
