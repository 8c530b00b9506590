package io.gantry.runner.suggest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SuggestionsTest {

  private static final List<String> KEYS =
      List.of("timeout-minutes", "continue-on-error", "runs-on", "steps", "env", "needs");

  @ParameterizedTest(name = "{0} suggests {1}")
  @CsvSource({
    "tmeout-minutes, timeout-minutes",
    "timeout_minutes, timeout-minutes",
    "continue-on-eror, continue-on-error",
    "runson, runs-on",
    "step, steps",
    "nedes, needs",
    "ENV, env",
    "colour, ",
    "x, "
  })
  void theNearestKeyIsSuggestedOnlyWhenItIsClose(String word, String expected) {
    assertThat(Suggestions.nearest(word, KEYS)).isEqualTo(expected);
  }
}
