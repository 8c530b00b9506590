package io.gantry.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.gantry.examples.DeployHarness;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Push-to-healthy time of the example service's deploy pipeline on this machine, broken into
 * stages, and Gantry's own share of it.
 *
 * <p>Each release is a real {@code git push} to a bare repository whose post-receive hook reports
 * it to {@code gantry serve} (embedded local-ecs: ECR, ECS with 4 tasks behind a load balancer).
 * The clock starts just before {@code git push} and stops when the run's last step — the health
 * check through the load balancer asserting the new version — has finished. The stages come from
 * the run's step timings in the store (the API's {@code /api/runs/ID}):
 *
 * <ul>
 *   <li>git: {@code git push} until git starts the post-receive hook (packing, sending and updating
 *       the ref are git's work, not Gantry's);
 *   <li>user's commands: the {@code run:} steps ({@code mvn test}, {@code mvn compile});
 *   <li>Jib: {@code gantry/build-image} (building the layers and pushing them to ECR);
 *   <li>ECS: {@code amazon-ecs-deploy-task-definition} (register, roll out, wait for the rollout);
 *   <li>health: {@code gantry/health-check} (probes through the load balancer);
 *   <li>Gantry's own: everything else — the hook and webhook, queueing, starting the jobs, both
 *       checkouts, the ECR login, rendering the task definition, the gaps between steps and jobs,
 *       and the end of the run.
 * </ul>
 *
 * <p>Usage: {@code PushToHealthyBench WORK_DIR EXAMPLE_DIR RELEASES GANTRY}, GANTRY being what the
 * bare repository's post-receive hook runs (the repository's {@code bin/gantry}).
 */
public final class PushToHealthyBench {

  private PushToHealthyBench() {}

  public static void main(String[] args) {
    try {
      run(args);
    } catch (Exception e) {
      e.printStackTrace();
      System.exit(1);
    }
    // The server's and the forge recorder's threads are not daemons.
    System.exit(0);
  }

  private static void run(String[] args) throws Exception {
    Path work = Path.of(args[0]);
    Path example = Path.of(args[1]);
    int releases = Integer.parseInt(args[2]);
    Path gantry = Path.of(args[3]);
    System.out.println(
        "Starting gantry serve with local-ecs, the bare repository and the base image...");
    List<Map<String, Double>> results = new ArrayList<>();
    try (DeployHarness harness = DeployHarness.start(work, example, gantry)) {
      for (int i = 1; i <= releases; i++) {
        if (i > 1) {
          harness.edit(
              "src/main/java/example/HelloService.java",
              "/** A tiny HTTP service",
              "/** Release " + i + ". A tiny HTTP service");
        }
        Instant pushed = Instant.now();
        String sha = harness.commitAndPush("release " + i);
        JsonNode run = harness.awaitRun(sha, Duration.ofMinutes(10));
        if (!"success".equals(run.path("conclusion").asText())) {
          throw new IllegalStateException(
              "release "
                  + i
                  + " ended "
                  + run.path("conclusion").asText()
                  + ":\n"
                  + harness.logs(run.path("id").asLong()));
        }
        Map<String, Double> stages = stages(run, pushed, harness.lastHookStart());
        results.add(stages);
        System.out.printf(
            Locale.ROOT,
            "%nrelease %d (%s, %s)%n",
            i,
            sha.substring(0, 7),
            i == 1 ? "creates the service" : "updates it");
        print(stages);
        if (i > 1) {
          harness.edit(
              "src/main/java/example/HelloService.java",
              "/** Release " + i + ". A tiny HTTP service",
              "/** A tiny HTTP service");
        }
      }
    }
    if (results.size() > 1) {
      System.out.printf(Locale.ROOT, "%nmedian of the %d updates%n", results.size() - 1);
      Map<String, Double> median = new LinkedHashMap<>();
      for (String key : results.get(1).keySet()) {
        List<Double> values = new ArrayList<>();
        for (Map<String, Double> r : results.subList(1, results.size())) {
          values.add(r.get(key));
        }
        values.sort(null);
        median.put(key, values.get(values.size() / 2));
      }
      print(median);
    }
  }

  /** Seconds per stage; the keys are printed in this order. */
  static Map<String, Double> stages(JsonNode run, Instant pushed, Instant hookStarted) {
    Map<String, Double> s = new LinkedHashMap<>();
    for (String key :
        List.of("checkout", "test", "image", "render", "deploy", "health", "other steps")) {
      s.put(key, 0.0);
    }
    double user = 0;
    double external = 0;
    Instant end = pushed;
    for (JsonNode job : run.path("jobs")) {
      for (JsonNode step : job.path("steps")) {
        if (step.path("startedAt").isNull() || step.path("finishedAt").isNull()) {
          continue;
        }
        Instant from = Instant.parse(step.path("startedAt").asText());
        Instant to = Instant.parse(step.path("finishedAt").asText());
        if (to.isAfter(end)) {
          end = to;
        }
        double seconds = Duration.between(from, to).toNanos() / 1e9;
        String name = step.path("name").asText();
        String stage;
        if (name.contains("actions/checkout")) {
          stage = "checkout";
        } else if (name.contains("unit tests") || name.contains("Compile")) {
          stage = "test";
          user += seconds;
        } else if (name.contains("image")) {
          stage = "image";
          external += seconds;
        } else if (name.contains("Render")) {
          stage = "render";
        } else if (name.contains("Deploy")) {
          stage = "deploy";
          external += seconds;
        } else if (name.contains("version answers")) {
          stage = "health";
          external += seconds;
        } else {
          stage = "other steps";
        }
        s.merge(stage, seconds, Double::sum);
      }
    }
    double total = Duration.between(pushed, end).toNanos() / 1e9;
    double steps = s.values().stream().mapToDouble(Double::doubleValue).sum();
    // Outside the steps: the hook and the webhook until the run is stored, then until its first
    // step starts (queue, claim, job set-up), then the gaps between steps and between the jobs.
    Instant created = Instant.parse(run.path("createdAt").asText());
    Instant firstStep = end;
    for (JsonNode job : run.path("jobs")) {
      for (JsonNode step : job.path("steps")) {
        if (!step.path("startedAt").isNull()) {
          Instant from = Instant.parse(step.path("startedAt").asText());
          if (from.isBefore(firstStep)) {
            firstStep = from;
          }
        }
      }
    }
    double gitPush = Duration.between(pushed, hookStarted).toNanos() / 1e9;
    double webhook = Duration.between(hookStarted, created).toNanos() / 1e9;
    double toFirstStep = Duration.between(created, firstStep).toNanos() / 1e9;
    s.put("git push", gitPush);
    s.put("hook, webhook", webhook);
    s.put("to first step", toFirstStep);
    s.put("between steps", total - steps - gitPush - webhook - toFirstStep);
    s.put("total", total);
    s.put("gantry", total - user - external - gitPush);
    return s;
  }

  private static void print(Map<String, Double> s) {
    double total = s.get("total");
    for (Map.Entry<String, Double> e : s.entrySet()) {
      if (e.getKey().equals("gantry") || e.getKey().equals("total")) {
        continue;
      }
      System.out.printf(
          Locale.ROOT,
          "  %-16s %7.2f s  %5.1f %%%n",
          e.getKey(),
          e.getValue(),
          100 * e.getValue() / total);
    }
    System.out.printf(Locale.ROOT, "  %-16s %7.2f s%n", "push-to-healthy", total);
    System.out.printf(
        Locale.ROOT,
        "  %-16s %7.2f s  %5.2f %%  (not the user's commands, Jib, ECS,"
            + " health waits, nor git's)%n",
        "Gantry's own",
        s.get("gantry"),
        100 * s.get("gantry") / total);
  }
}
