package io.gantry.runner.workflow;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/** Test helpers: parse YAML text as {@code ci.yml} with the {@link TestCatalog}. */
final class Workflows {

  static final String FILE = "ci.yml";

  private Workflows() {}

  static Workflow parse(String yaml) throws WorkflowException {
    return new WorkflowParser(new TestCatalog()).parse(yaml, Path.of(FILE), FILE);
  }

  /** Every problem of an invalid workflow, as printed ({@code file:line:column: message}). */
  static List<String> problems(String yaml) {
    try {
      parse(yaml);
    } catch (WorkflowException e) {
      return e.problems().stream().map(Problem::toString).toList();
    }
    throw new AssertionError("expected the workflow to be invalid:\n" + yaml);
  }

  static String resource(String name) {
    try (InputStream in = Workflows.class.getResourceAsStream("/workflows/" + name)) {
      if (in == null) {
        throw new IllegalArgumentException("no test resource /workflows/" + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
