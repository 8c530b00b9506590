package io.gantry.runner.execution;

import static org.assertj.core.api.Assertions.assertThat;

import io.gantry.runner.action.builtin.BuiltInActions;
import io.gantry.runner.store.RunStore;
import io.gantry.runner.store.Stores;
import io.gantry.runner.testing.BusyboxImage;
import io.gantry.runner.testing.Podman;
import io.gantry.runner.testing.PostgresImage;
import io.gantry.runner.workflow.Workflow;
import io.gantry.runner.workflow.WorkflowParser;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real PostgreSQL service (Debian's PostgreSQL 15 in an image of its own) queried with {@code
 * psql} from a job on the host and from a job container; a run cancelled mid-job leaves no
 * container or network behind.
 */
@Tag("containers")
class PostgresServiceTest {

  static Podman podman;

  @TempDir Path data;
  @TempDir Path source;

  /** The log lines of the run in progress. */
  final List<String> lines = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void images() throws Exception {
    podman = Podman.require();
    BusyboxImage.ensure(podman);
    PostgresImage.ensure(podman);
  }

  record Outcome(RunResult result, List<String> lines) {
    String log() {
      return String.join("\n", lines);
    }
  }

  Outcome run(String yaml, Consumer<WorkflowExecutor.Execution> during) throws Exception {
    Workflow workflow =
        new WorkflowParser(BuiltInActions.registry()).parse(yaml, Path.of("ci.yml"), "ci.yml");
    try (RunStore store = Stores.openEmbedded(data);
        WorkflowExecutor executor =
            new WorkflowExecutor(
                BuiltInActions.registry(),
                store,
                ExecutorOptions.defaults(data).withKillGracePeriod(java.time.Duration.ofSeconds(1)),
                StepRunners.builtIn(BuiltInActions.registry()))) {
      WorkflowExecutor.Execution execution =
          executor.start(
              new RunRequest(
                  workflow,
                  "acme/web",
                  "push",
                  Map.of("ref", "refs/heads/main"),
                  "refs/heads/main",
                  "0123456789abcdef0123456789abcdef01234567",
                  Map.of(),
                  Map.of(),
                  Map.of(),
                  Map.of(),
                  Set.of(),
                  source,
                  null,
                  null,
                  "tester"),
              new RunListener() {
                @Override
                public void logLine(String jobKey, LogLine line) {
                  lines.add(line.text());
                }
              });
      during.accept(execution);
      return new Outcome(execution.await(), lines);
    }
  }

  static final String SERVICE =
      """
          services:
            postgres:
              image: %s
              options: >-
                --user 999
                --health-cmd "pg_isready -h 127.0.0.1 -U postgres"
                --health-interval 1s --health-retries 60
              ports: ['5432']
      """
          .formatted(PostgresImage.NAME);

  @Test
  void aPostgresServiceIsQueriedFromTheHostAndFromAJobContainer() throws Exception {
    Outcome out =
        run(
            """
            on: push
            jobs:
              on-host:
                runs-on: ubuntu-latest
            %s
                steps:
                  - run: >-
                      /usr/lib/postgresql/15/bin/psql -h 127.0.0.1
                      -p ${{ job.services.postgres.ports['5432'] }} -U postgres -tA
                      -c "select 'host-' || 6 * 7"
              in-container:
                runs-on: ubuntu-latest
                container: %s
            %s
                steps:
                  - run: |
                      psql -h postgres -U postgres -tA -c "create table t (v text)"
                      psql -h postgres -U postgres -tA -c "insert into t values ('from-the-job-container')"
                      psql -h postgres -U postgres -tA -c "select v || ' ' || split_part(version(), '.', 1) from t"
            """
                .formatted(SERVICE, PostgresImage.NAME, SERVICE),
            e -> {});
    assertThat(out.result().conclusion()).as(out.log()).isEqualTo(Conclusion.SUCCESS);
    assertThat(out.lines()).contains("host-42", "from-the-job-container PostgreSQL 15");
    assertThat(leftovers()).isEmpty();
  }

  @Test
  void aRunCancelledMidJobLeavesNoContainerOrNetwork() throws Exception {
    Outcome out =
        run(
            """
            on: push
            jobs:
              long:
                runs-on: ubuntu-latest
                container: %s
            %s
                steps:
                  - run: echo step-is-running; sleep 300
                  - run: echo never
            """
                .formatted(BusyboxImage.NAME, SERVICE),
            execution -> {
              long until = System.nanoTime() + java.time.Duration.ofMinutes(3).toNanos();
              try {
                while (System.nanoTime() < until && !running()) {
                  Thread.sleep(200);
                }
                assertThat(running()).as("the job's containers run").isTrue();
                // the step is inside the job container now: podman ps shows both containers
                execution.cancel();
              } catch (Exception e) {
                throw new AssertionError(e);
              }
            });
    assertThat(out.result().conclusion()).as(out.log()).isEqualTo(Conclusion.CANCELLED);
    assertThat(out.lines()).contains("step-is-running").doesNotContain("never");
    assertThat(leftovers()).isEmpty();
  }

  private boolean running() throws Exception {
    return leftovers().stream().filter(n -> !n.startsWith("net:")).count() >= 2
        && lines.contains("step-is-running");
  }

  /** Containers and networks of this test's data directory still there (by Gantry's labels). */
  List<String> leftovers() throws Exception {
    String store =
        HexFormat.of()
            .formatHex(
                MessageDigest.getInstance("SHA-256")
                    .digest(
                        data.toAbsolutePath()
                            .normalize()
                            .toString()
                            .getBytes(StandardCharsets.UTF_8)),
                0,
                6);
    String containers =
        podman
            .run("ps", "-a", "--filter", "label=io.gantry.store=" + store, "--format", "{{.Names}}")
            .orThrow()
            .out();
    List<String> left = new ArrayList<>();
    for (String c : containers.split("\n")) {
      if (!c.isBlank()) {
        left.add(c);
      }
    }
    for (String n :
        podman.run("network", "ls", "--format", "{{.Name}}").orThrow().out().split("\n")) {
      if (n.startsWith("gantry-" + store)) {
        left.add("net:" + n);
      }
    }
    return left;
  }
}
