package io.gantry.runner.expression;

import static io.gantry.runner.expression.TestContexts.context;
import static io.gantry.runner.expression.TestContexts.list;
import static io.gantry.runner.expression.TestContexts.map;
import static io.gantry.runner.expression.TestContexts.sample;
import static io.gantry.runner.expression.TestContexts.withStatus;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class TemplatesAndConditionsTest {

  private static final ExpressionContext SUCCEEDING = context(sample());
  private static final ExpressionContext FAILED = withStatus(false, true, false);
  private static final ExpressionContext CANCELLED = withStatus(false, false, true);

  @Test
  void interpolateReplacesEveryExpressionAndKeepsTheTextAround() throws ExpressionException {
    assertThat(Expressions.interpolate("echo ${{ env.GREETING }}, ${{ matrix.os }}!", SUCCEEDING))
        .isEqualTo("echo hello, ubuntu-latest!");
    assertThat(Expressions.interpolate("${{github.run_number}}${{ true }}", SUCCEEDING))
        .isEqualTo("42true");
    assertThat(Expressions.interpolate("no expressions {{ here }}", SUCCEEDING))
        .isEqualTo("no expressions {{ here }}");
    assertThat(Expressions.interpolate("", SUCCEEDING)).isEqualTo("");
  }

  @Test
  void interpolateStringifiesNullAsEmptyAndObjectsAsJson() throws ExpressionException {
    assertThat(Expressions.interpolate("[${{ github.nope }}]", SUCCEEDING)).isEqualTo("[]");
    assertThat(Expressions.interpolate("${{ matrix }}", SUCCEEDING))
        .isEqualTo("{\n  \"os\": \"ubuntu-latest\",\n  \"node\": 18\n}");
  }

  @Test
  void closingBracesInsideStringLiteralsDoNotEndTheExpression() throws ExpressionException {
    assertThat(Expressions.interpolate("a ${{ format('{0}}}', 'x') }} b", SUCCEEDING))
        .isEqualTo("a x} b");
    assertThat(Expressions.interpolate("${{ 'it''s }}' }}", SUCCEEDING)).isEqualTo("it's }}");
  }

  @Test
  void anUnclosedExpressionIsAnErrorAtItsOpening() {
    assertThatThrownBy(
            () -> Expressions.interpolate("ok ${{ env.GREETING }} ${{ env.x", SUCCEEDING))
        .isInstanceOf(ExpressionException.class)
        .hasMessage("'${{' is not closed by '}}'")
        .extracting(e -> ((ExpressionException) e).offset())
        .isEqualTo(23);
  }

  @Test
  void anEmptyExpressionIsAnError() {
    assertThatThrownBy(() -> Expressions.interpolate("x ${{ }}", SUCCEEDING))
        .isInstanceOf(ExpressionException.class)
        .hasMessage("empty expression")
        .extracting(e -> ((ExpressionException) e).offset())
        .isEqualTo(2);
  }

  @Test
  void evaluateTemplateKeepsTheTypeOfALoneExpression() throws ExpressionException {
    assertThat(Expressions.evaluateTemplate("${{ true }}", SUCCEEDING)).isEqualTo(true);
    assertThat(Expressions.evaluateTemplate("  ${{ github.run_number }} ", SUCCEEDING))
        .isEqualTo(42.0);
    assertThat(Expressions.evaluateTemplate("${{ fromJSON('[1, \"a\"]') }}", SUCCEEDING))
        .isEqualTo(list(1.0, "a"));
    assertThat(Expressions.evaluateTemplate("${{ fromJSON('{\"k\": null}') }}", SUCCEEDING))
        .isEqualTo(map("k", null));
    assertThat(Expressions.evaluateTemplate("${{ github.nope }}", SUCCEEDING)).isNull();
  }

  @Test
  void evaluateTemplateInterpolatesAnythingElse() throws ExpressionException {
    assertThat(Expressions.evaluateTemplate("v${{ github.run_number }}", SUCCEEDING))
        .isEqualTo("v42");
    assertThat(Expressions.evaluateTemplate("${{ true }}${{ false }}", SUCCEEDING))
        .isEqualTo("truefalse");
    assertThat(Expressions.evaluateTemplate("plain", SUCCEEDING)).isEqualTo("plain");
  }

  @ParameterizedTest(name = "\"{0}\" is {1}")
  @CsvSource(
      delimiter = ';',
      quoteCharacter = '"',
      value = {
        "github.ref == 'refs/heads/main'                        ; true",
        "${{ github.ref == 'refs/heads/main' }}                 ; true",
        "  ${{ github.ref == 'refs/heads/dev' }}                ; false",
        "github.event_name == 'push' && matrix.node >= 18       ; true",
        "!startsWith(github.ref, 'refs/tags/')                   ; true",
        "contains(github.event.labels, 'wontfix') || env.EMPTY  ; false",
        "env.GREETING                                           ; true",
        "github.nope                                            ; false",
        "'0'                                                    ; true",
      })
  void conditionsAcceptBareAndWrappedExpressions(String condition, boolean expected)
      throws ExpressionException {
    assertThat(Expressions.condition(condition, SUCCEEDING)).isEqualTo(expected);
  }

  @ParameterizedTest(name = "blank condition \"{0}\" means success()")
  @NullAndEmptySource
  @ValueSource(strings = {"  ", "\n"})
  void aBlankConditionMeansSuccess(String condition) throws ExpressionException {
    assertThat(Expressions.condition(condition, SUCCEEDING)).isTrue();
    assertThat(Expressions.condition(condition, FAILED)).isFalse();
  }

  @Test
  void aConditionWithoutStatusFunctionsImpliesSuccess() throws ExpressionException {
    assertThat(Expressions.condition("true", FAILED)).isFalse();
    assertThat(Expressions.condition("${{ github.ref == 'refs/heads/main' }}", FAILED)).isFalse();
    assertThat(Expressions.condition("true", CANCELLED)).isFalse();
  }

  @Test
  void aConditionWithAStatusFunctionDecidesForItself() throws ExpressionException {
    assertThat(Expressions.condition("failure()", FAILED)).isTrue();
    assertThat(Expressions.condition("failure()", SUCCEEDING)).isFalse();
    assertThat(Expressions.condition("always()", CANCELLED)).isTrue();
    assertThat(Expressions.condition("${{ always() && github.ref == 'x' }}", FAILED)).isFalse();
    assertThat(Expressions.condition("cancelled()", CANCELLED)).isTrue();
    // A status function nested in an argument still counts.
    assertThat(Expressions.condition("contains(format('{0}', failure()), 'true')", FAILED))
        .isTrue();
    assertThat(Expressions.condition("!cancelled()", FAILED)).isTrue();
  }

  @Test
  void aConditionMixingTextAndExpressionsIsATemplateWhoseStringIsTruthy()
      throws ExpressionException {
    // As on GitHub, this is the string "false && true", which is not empty and so true.
    assertThat(Expressions.condition("${{ false }} && ${{ true }}", SUCCEEDING)).isTrue();
    assertThat(Expressions.condition("${{ env.EMPTY }}${{ github.nope }}", SUCCEEDING)).isFalse();
    assertThat(Expressions.condition("${{ false }} && ${{ true }}", FAILED)).isFalse();
  }

  @Test
  void conditionErrorsPointIntoTheGivenText() {
    assertThatThrownBy(() -> Expressions.condition("${{ github.ref == }}", SUCCEEDING))
        .isInstanceOf(ExpressionException.class)
        .hasMessage("unexpected end of expression")
        .extracting(e -> ((ExpressionException) e).offset())
        .isEqualTo(18);
  }
}
