package io.gantry.runner.execution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MatrixTest {

  private static Map<String, Object> map(Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1]);
    }
    return m;
  }

  @Test
  void expandsTheProductWithTheFirstKeyVaryingSlowest() throws Exception {
    assertThat(Matrix.expand(map("os", List.of("a", "b"), "v", List.of(1.0, 2.0))))
        .containsExactly(
            map("os", "a", "v", 1.0),
            map("os", "a", "v", 2.0),
            map("os", "b", "v", 1.0),
            map("os", "b", "v", 2.0));
  }

  @Test
  void followsGitHubsDocumentedIncludeExample() throws Exception {
    // https://docs.github.com/actions/using-jobs/using-a-matrix-for-your-jobs#example-expanding-configurations
    Object matrix =
        map(
            "fruit", List.of("apple", "pear"),
            "animal", List.of("cat", "dog"),
            "include",
                List.of(
                    map("color", "green"),
                    map("color", "pink", "animal", "cat"),
                    map("fruit", "apple", "shape", "circle"),
                    map("fruit", "banana"),
                    map("fruit", "banana", "animal", "cat")));
    assertThat(Matrix.expand(matrix))
        .containsExactly(
            map("fruit", "apple", "animal", "cat", "color", "pink", "shape", "circle"),
            map("fruit", "apple", "animal", "dog", "color", "green", "shape", "circle"),
            map("fruit", "pear", "animal", "cat", "color", "pink"),
            map("fruit", "pear", "animal", "dog", "color", "green"),
            map("fruit", "banana"),
            map("fruit", "banana", "animal", "cat"));
  }

  @Test
  void excludeRemovesEveryCombinationItMatchesPartially() throws Exception {
    Object matrix =
        map(
            "os", List.of("mac", "linux"),
            "v", List.of(1.0, 2.0),
            "exclude", List.of(map("os", "mac")));
    assertThat(Matrix.expand(matrix))
        .containsExactly(map("os", "linux", "v", 1.0), map("os", "linux", "v", 2.0));
  }

  @Test
  void numbersFromYamlAreComparedAsExpressionsSeeThem() throws Exception {
    Object matrix = Matrix.normalize(map("v", List.of(1L, 2L), "exclude", List.of(map("v", 2L))));
    assertThat(Matrix.expand(matrix)).containsExactly(map("v", 1.0));
  }

  @Test
  void aValueThatIsNotAListIsAnErrorNamingTheKey() {
    assertThatThrownBy(() -> Matrix.expand(map("os", "linux")))
        .hasMessage("strategy.matrix.os must be a list of values, got 'linux'");
  }

  @Test
  void excludingEverythingIsAnError() {
    assertThatThrownBy(
            () -> Matrix.expand(map("os", List.of("a"), "exclude", List.of(map("os", "a")))))
        .hasMessageContaining("leaves no combination");
  }
}
