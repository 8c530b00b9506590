package io.gantry.runner.expression;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CheckTest {

  private static final Set<String> STEP_CONTEXTS =
      Set.of("github", "env", "vars", "runner", "steps", "secrets", "job", "inputs");

  private static List<ExpressionProblem> check(String text) {
    return Expressions.check(text, false, STEP_CONTEXTS);
  }

  @Test
  void aValidTemplateHasNoProblems() {
    assertThat(check("echo ${{ github.ref }} ${{ format('{0}', env.X) }} ${{ toJSON(steps) }}"))
        .isEmpty();
    assertThat(check("no expressions")).isEmpty();
    assertThat(Expressions.check("success() && github.ref == 'x'", true, STEP_CONTEXTS)).isEmpty();
    assertThat(Expressions.check("", true, STEP_CONTEXTS)).isEmpty();
  }

  @Test
  void everyProblemOfATemplateIsReportedWithItsOffsetInTheText() {
    String text = "${{ gihub.ref }} ${{ contain(env.A, 'b') }} ${{ matrix.os }} ${{ join() }}";
    assertThat(check(text))
        .containsExactly(
            new ExpressionProblem(
                "unknown context 'gihub'; did you mean 'github'? Available: env, github, inputs,"
                    + " job, runner, secrets, steps, vars",
                text.indexOf("gihub")),
            new ExpressionProblem(
                "unknown function 'contain'; did you mean 'contains'? Supported functions:"
                    + " always, cancelled, contains, endsWith, failure, format, fromJSON,"
                    + " hashFiles, join, startsWith, success, toJSON",
                text.indexOf("contain")),
            new ExpressionProblem(
                "context 'matrix' is not available here; available: env, github, inputs, job,"
                    + " runner, secrets, steps, vars",
                text.indexOf("matrix")),
            new ExpressionProblem(
                "function 'join' takes 1 or 2 arguments but was given 0", text.indexOf("join")));
  }

  @Test
  void aSyntaxErrorDoesNotHideProblemsInOtherExpressions() {
    String text = "${{ github.ref == }} and ${{ foo(1) }} and ${{ 'open }}";
    List<ExpressionProblem> problems = check(text);
    assertThat(problems)
        .extracting(ExpressionProblem::message)
        .containsExactly(
            "unexpected end of expression",
            "unknown function 'foo'; supported functions: always, cancelled, contains, endsWith,"
                + " failure, format, fromJSON, hashFiles, join, startsWith, success, toJSON",
            "unterminated string literal");
    assertThat(problems)
        .extracting(ExpressionProblem::offset)
        .containsExactly(text.indexOf("}}"), text.indexOf("foo"), text.indexOf("'open"));
  }

  @ParameterizedTest(name = "\"{0}\" fails with \"{1}\" at {2}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      value = {
        "github.ref == 'x') | unexpected token ')' | 17",
        "(github.ref == 'x' | expected ')' to close '(' but found end of expression | 18",
        "github.ref = 'x' | unexpected character '='; did you mean '=='? | 11",
        "github.ref & true | unexpected character '&'; did you mean '&&'? | 11",
        "contains(github.ref, 'x' | expected ')' after arguments of 'contains' | 24",
        "contains(github.ref 'x') | unexpected token ''x'' in arguments of 'contains';"
            + " expected ',' or ')' | 20",
        "github. | expected a property name after '.' but found end of expression | 7",
        "github.event.commits[0 | expected ']' to close '[' but found end of expression | 22",
        "github.ref == 'unterminated | unterminated string literal | 14",
        "1.2.3 == github.ref | invalid number '1.2.3' | 0",
        "github.ref == # | unexpected character '#' | 14",
        "github.ref github.sha | unexpected token 'github' | 11",
        "&& true | unexpected token '&&' | 0",
        "success | unknown context 'success'; to call the function write 'success()' | 0",
      })
  void syntaxErrorsNameTheFaultAndPointAtIt(String condition, String message, int offset) {
    assertThat(Expressions.check(condition, true, STEP_CONTEXTS))
        .containsExactly(new ExpressionProblem(message, offset));
  }

  @Test
  void offsetsOfAWrappedConditionCountTheWrapper() {
    assertThat(Expressions.check("  ${{ github.ref == 'x' ) }}", true, STEP_CONTEXTS))
        .containsExactly(new ExpressionProblem("unexpected token ')'", 24));
  }

  @Test
  void aConditionWithTextAroundExpressionsIsCheckedAsATemplate() {
    assertThat(Expressions.check("${{ matrix.os }} == 'x'", true, STEP_CONTEXTS))
        .extracting(ExpressionProblem::offset)
        .containsExactly(4);
  }

  @Test
  void anUnclosedExpressionIsReportedAtItsOpening() {
    assertThat(check("run ${{ github.ref"))
        .containsExactly(new ExpressionProblem("'${{' is not closed by '}}'", 4));
  }

  @Test
  void contextNamesAreCheckedCaseInsensitivelyAndOnlyAtTheRootOfAChain() {
    assertThat(check("${{ GITHUB.event.matrix }} ${{ env[github.ref] }}")).isEmpty();
    assertThat(check("${{ env[matrix.os] }}"))
        .extracting(ExpressionProblem::offset)
        .containsExactly(8);
  }

  @Test
  void checkDoesNotEvaluate() {
    // Evaluating either would fail: a missing format argument, no workspace for hashFiles.
    assertThat(check("${{ format('{1}') }} ${{ hashFiles('**') }} ${{ fromJSON('{') }}")).isEmpty();
  }

  @Test
  void evaluationReportsTheFirstProblemWithItsOffset() {
    assertThatThrownBy(
            () ->
                Expressions.interpolate(
                    "a ${{ github.ref }} ${{ lenght(github.ref) }}",
                    TestContexts.context(TestContexts.sample())))
        .isInstanceOf(ExpressionException.class)
        .hasMessageStartingWith("unknown function 'lenght'; supported functions:")
        .extracting(e -> ((ExpressionException) e).offset())
        .isEqualTo(24);
  }

  @Test
  void deeplyNestedExpressionsAreRejectedRatherThanOverflowingTheStack() {
    String deep = "(".repeat(5000) + "1" + ")".repeat(5000);
    assertThat(Expressions.check(deep, true, STEP_CONTEXTS))
        .extracting(ExpressionProblem::message)
        .containsExactly("expression is nested too deeply (more than 100 levels)");
    assertThat(Expressions.check("!".repeat(5000) + "true", true, STEP_CONTEXTS)).hasSize(1);
  }
}
