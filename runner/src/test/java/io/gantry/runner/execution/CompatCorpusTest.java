package io.gantry.runner.execution;

import static org.assertj.core.api.Assertions.assertThat;

import io.gantry.runner.action.builtin.BuiltInActions;
import io.gantry.runner.workflow.ActionCatalog;
import io.gantry.runner.workflow.WorkflowException;
import io.gantry.runner.workflow.WorkflowParser;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Benchmark (3) of issue 12: the real workflow files of public Java projects listed in {@code
 * bench/compat/corpus.tsv} (fetched into {@code bench/compat/files} by {@code
 * bench/compat/fetch.sh}), validated as they are, once with Gantry's built-in actions only and once
 * with actions from git accepted. Each file's outcome must be the one the list records, so a change
 * that makes a file validate (or stop validating) shows here; the counts and each file's first
 * problem go to {@code target/compat-corpus.txt}.
 *
 * <p>Tagged {@code compat} and left out of the default run (the root pom's {@code excludedGroups}):
 * the files are not in this repository and CI has no internet to fetch them; {@code
 * bench/compat/run.sh} runs it after {@code bench/compat/fetch.sh}.
 */
@Tag("compat")
class CompatCorpusTest {

  private static final Path CORPUS = Path.of("..", "bench", "compat");

  @Test
  void theCorpusValidatesAsRecorded() throws Exception {
    Path list = CORPUS.resolve("corpus.tsv");
    Path files = CORPUS.resolve("files");
    List<String[]> rows = new ArrayList<>();
    for (String line : Files.readAllLines(list, StandardCharsets.UTF_8)) {
      if (!line.isBlank() && !line.startsWith("#")) {
        rows.add(line.split("\t"));
      }
    }
    assertThat(rows).hasSizeGreaterThanOrEqualTo(20);
    boolean present = rows.stream().allMatch(r -> Files.isRegularFile(files.resolve(r[0])));
    Assumptions.assumeTrue(
        present, "the corpus is not fetched; run bench/compat/fetch.sh (needs the internet)");

    Map<String, String> expected = new LinkedHashMap<>();
    Map<String, String> actual = new LinkedHashMap<>();
    StringBuilder report = new StringBuilder();
    int builtInValid = 0;
    int gitValid = 0;
    for (String[] row : rows) {
      Path file = files.resolve(row[0]);
      String builtIn = outcome(BuiltInActions.registry(), file, row[0]);
      String git = outcome(ActionHarness.CATALOG, file, row[0]);
      builtInValid += builtIn.equals("valid") ? 1 : 0;
      gitValid += git.equals("valid") ? 1 : 0;
      expected.put(row[0], row[5] + " / " + row[6]);
      actual.put(row[0], word(builtIn) + " / " + word(git));
      report.append(row[0]).append("\n  built-in only: ").append(builtIn);
      report.append("\n  with actions from git: ").append(git).append('\n');
    }
    String summary =
        rows.size()
            + " workflows; valid with built-in actions only: "
            + builtInValid
            + "; valid with actions from git: "
            + gitValid
            + "\n";
    Files.createDirectories(Path.of("target"));
    Files.writeString(Path.of("target", "compat-corpus.txt"), summary + report);
    System.out.print(summary);

    assertThat(actual).as(report.toString()).isEqualTo(expected);
  }

  private static String word(String outcome) {
    return outcome.equals("valid") ? "valid" : "invalid";
  }

  /** "valid", or the first error and how many there are. */
  private static String outcome(ActionCatalog catalog, Path file, String display) {
    try {
      new WorkflowParser(catalog).parse(file, display);
      return "valid";
    } catch (WorkflowException e) {
      List<io.gantry.runner.workflow.Problem> errors =
          e.problems().stream()
              .filter(p -> p.severity() == io.gantry.runner.workflow.Problem.Severity.ERROR)
              .toList();
      return errors.size() + " error(s), first: " + errors.get(0);
    }
  }
}
