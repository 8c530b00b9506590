package io.gantry.runner.expression;

import static io.gantry.runner.expression.TestContexts.empty;
import static io.gantry.runner.expression.TestContexts.list;
import static io.gantry.runner.expression.TestContexts.map;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ExpressionValuesTest {

  private static Object eval(String expression) throws ExpressionException {
    return Expressions.evaluate(expression, empty());
  }

  @ParameterizedTest(name = "{0} evaluates to {1}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      value = {
        "42          | 42.0",
        "-9.2        | -9.2",
        "3.14        | 3.14",
        ".5          | 0.5",
        "1e3         | 1000.0",
        "2.5E-1      | 0.25",
        "0xff        | 255.0",
        "0X10        | 16.0",
        "-0x10       | -16.0",
        "+7          | 7.0",
      })
  void numberLiteralsEvaluateToDoubles(String expression, double expected)
      throws ExpressionException {
    assertThat(eval(expression)).isEqualTo(expected);
  }

  @Test
  void keywordLiteralsEvaluateToTheirValues() throws ExpressionException {
    assertThat(eval("null")).isNull();
    assertThat(eval("true")).isEqualTo(true);
    assertThat(eval("false")).isEqualTo(false);
    assertThat((Double) eval("NaN")).isNaN();
    assertThat(eval("Infinity")).isEqualTo(Double.POSITIVE_INFINITY);
  }

  @Test
  void stringLiteralsUseSingleQuotesWithDoubledQuoteAsEscape() throws ExpressionException {
    assertThat(eval("'Mona the Octocat'")).isEqualTo("Mona the Octocat");
    assertThat(eval("'It''s open source!'")).isEqualTo("It's open source!");
    assertThat(eval("''")).isEqualTo("");
    assertThat(eval("'a \"quoted\" }} word'")).isEqualTo("a \"quoted\" }} word");
  }

  @ParameterizedTest(name = "{0} is {1}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      value = {
        // GitHub's documented coercion table: differing types compare as numbers.
        "null == 0             | true",
        "null == false         | true",
        "null == ''            | true",
        "'' == 0               | true",
        "'' == false           | true",
        "true == 1             | true",
        "false == 0            | true",
        "true == 2             | false",
        "1 == '1'              | true",
        "'1.0' == 1            | true",
        "' 3 ' == 3            | true",
        "'0x10' == 16          | true",
        "'1e2' == 100          | true",
        "'abc' == 0            | false",
        "'abc' == 'ABC'        | true",
        "'abc' != 'ABC'        | false",
        "'true' == true        | false",
        "null == null          | true",
        "NaN == NaN            | false",
        "NaN != NaN            | true",
        "0 == -0               | true",
        "1 == 1.0              | true",
        "'a' != 'b'            | true",
      })
  void equalityIsLooseAndStringsIgnoreCase(String expression, boolean expected)
      throws ExpressionException {
    assertThat(eval(expression)).isEqualTo(expected);
  }

  @Test
  void objectsAndArraysAreEqualOnlyToTheSameInstance() throws ExpressionException {
    var context = TestContexts.context(map("env", map("a", list(1.0), "b", list(1.0), "o", map())));
    assertThat(Expressions.evaluate("env.a == env.a", context)).isEqualTo(true);
    assertThat(Expressions.evaluate("env.a == env.b", context)).isEqualTo(false);
    assertThat(Expressions.evaluate("env.o == env.o", context)).isEqualTo(true);
    assertThat(Expressions.evaluate("env.o == 0", context)).isEqualTo(false);
    assertThat(Expressions.evaluate("env.a != env.b", context)).isEqualTo(true);
  }

  @ParameterizedTest(name = "{0} is {1}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      value = {
        "1 < 2           | true",
        "2 <= 2          | true",
        "3 > 2           | true",
        "2 >= 3          | false",
        "'a' < 'B'       | true",
        "'B' > 'a'       | true",
        "'abc' >= 'ABC'  | true",
        "'10' > 9        | true",
        "true > false    | true",
        "null < 1        | true",
        "NaN < 1         | false",
        "NaN >= 1        | false",
        "'x' > 1         | false",
        "'x' <= 1        | false",
      })
  void comparisonsCoerceToNumbersAndNaNNeverCompares(String expression, boolean expected)
      throws ExpressionException {
    assertThat(eval(expression)).isEqualTo(expected);
  }

  @ParameterizedTest(name = "{0} gives {1}")
  @CsvSource(
      delimiter = ';',
      quoteCharacter = '"',
      value = {
        "'' || 'x'          ; x",
        "'a' || 'x'         ; a",
        "'a' && 'b'         ; b",
        "0 || 'fallback'    ; fallback",
        "null || 'default'  ; default",
      })
  void logicalOperatorsReturnAnOperand(String expression, String expected)
      throws ExpressionException {
    assertThat(eval(expression)).isEqualTo(expected);
  }

  @Test
  void logicalOperatorsReturnTheDecidingOperandWithItsType() throws ExpressionException {
    assertThat(eval("0 && 'never'")).isEqualTo(0.0);
    assertThat(eval("'' && true")).isEqualTo("");
    assertThat(eval("null || 0")).isEqualTo(0.0);
    assertThat(eval("null && 1")).isNull();
  }

  @Test
  void logicalOperatorsShortCircuitSoTheRightSideIsNotEvaluated() throws ExpressionException {
    // The right side would fail: format() with a missing argument.
    assertThat(eval("true || format('{1}', 'x')")).isEqualTo(true);
    assertThat(eval("false && format('{1}', 'x')")).isEqualTo(false);
  }

  @Test
  void precedenceBindsNotTighterThanComparisonTighterThanAndTighterThanOr()
      throws ExpressionException {
    assertThat(eval("true || false && false")).isEqualTo(true);
    assertThat(eval("(true || false) && false")).isEqualTo(false);
    assertThat(eval("1 < 2 == true")).isEqualTo(true);
    assertThat(eval("!0 == true")).isEqualTo(true);
    assertThat(eval("!(1 == 1)")).isEqualTo(false);
    assertThat(eval("!!'x'")).isEqualTo(true);
    assertThat(eval("1 == 1 && 2 == 2 || false")).isEqualTo(true);
  }

  @ParameterizedTest(name = "{0} is falsy")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      value = {"false", "0", "-0", "NaN", "''", "null"})
  void documentedFalsyValuesAreFalsy(String expression) throws ExpressionException {
    assertThat(Expressions.truthy(eval(expression))).isFalse();
    assertThat(eval("!" + expression)).isEqualTo(true);
  }

  @ParameterizedTest(name = "{0} is truthy")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      value = {
        "true",
        "1",
        "-1",
        "'0'",
        "'false'",
        "' '",
        "Infinity",
        "fromJSON('[]')",
        "fromJSON('{}')"
      })
  void everythingElseIsTruthyIncludingTheStringZero(String expression) throws ExpressionException {
    assertThat(Expressions.truthy(eval(expression))).isTrue();
  }

  @Test
  void stringifyGivesTheInterpolationForm() {
    assertThat(Expressions.stringify(null)).isEqualTo("");
    assertThat(Expressions.stringify(true)).isEqualTo("true");
    assertThat(Expressions.stringify(false)).isEqualTo("false");
    assertThat(Expressions.stringify(3.0)).isEqualTo("3");
    assertThat(Expressions.stringify(-0.0)).isEqualTo("0");
    assertThat(Expressions.stringify(2.5)).isEqualTo("2.5");
    assertThat(Expressions.stringify(0.1)).isEqualTo("0.1");
    assertThat(Expressions.stringify(1e20)).isEqualTo("100000000000000000000");
    assertThat(Expressions.stringify(Double.NaN)).isEqualTo("NaN");
    assertThat(Expressions.stringify(Double.NEGATIVE_INFINITY)).isEqualTo("-Infinity");
    assertThat(Expressions.stringify("as is")).isEqualTo("as is");
    assertThat(Expressions.stringify(list("a", 1.0))).isEqualTo("[\n  \"a\",\n  1\n]");
    assertThat(Expressions.stringify(map("k", true))).isEqualTo("{\n  \"k\": true\n}");
  }

  @Test
  void truthyAcceptsOtherNumberTypesThatCallersMayPutInContexts() {
    assertThat(Expressions.truthy(0)).isFalse();
    assertThat(Expressions.truthy(7L)).isTrue();
    assertThat(Expressions.stringify(7)).isEqualTo("7");
  }
}
