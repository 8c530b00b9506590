package io.gantry.runner.expression;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Builders for contexts in tests. */
final class TestContexts {

  private TestContexts() {}

  /** A map from alternating keys and values, keeping their order. */
  static Map<String, Object> map(Object... keysAndValues) {
    Map<String, Object> map = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      map.put((String) keysAndValues[i], keysAndValues[i + 1]);
    }
    return map;
  }

  static List<Object> list(Object... values) {
    return new ArrayList<>(Arrays.asList(values));
  }

  static ExpressionContext context(Map<String, Object> contexts) {
    return new ExpressionContext(contexts, ExpressionContext.JobStatus.SUCCEEDING, null);
  }

  static ExpressionContext context(Map<String, Object> contexts, Path workspace) {
    return new ExpressionContext(contexts, ExpressionContext.JobStatus.SUCCEEDING, workspace);
  }

  static ExpressionContext empty() {
    return context(Map.of());
  }

  static ExpressionContext withStatus(boolean success, boolean failure, boolean cancelled) {
    return new ExpressionContext(
        sample(),
        new ExpressionContext.JobStatus() {
          @Override
          public boolean success() {
            return success;
          }

          @Override
          public boolean failure() {
            return failure;
          }

          @Override
          public boolean cancelled() {
            return cancelled;
          }
        },
        null);
  }

  /** A github/env/matrix/steps context like a push to main would have. */
  static Map<String, Object> sample() {
    return map(
        "github",
        map(
            "ref", "refs/heads/main",
            "event_name", "push",
            "repository", "octo/gantry",
            "event",
                map(
                    "head_commit", map("message", "Fix the build"),
                    "commits",
                        list(
                            map("id", "a1", "author", map("name", "Mona")),
                            map("id", "b2", "author", map("name", "Hubot")),
                            map("id", "c3")),
                    "labels", list("bug", "Urgent", 3.0)),
            "run_number", 42.0),
        "env",
        map("GREETING", "hello", "EMPTY", ""),
        "matrix",
        map("os", "ubuntu-latest", "node", 18.0),
        "steps",
        map(
            "build-1", map("outcome", "success", "outputs", map("version", "1.2.3")),
            "test", map("outcome", "failure", "outputs", map())));
  }
}
