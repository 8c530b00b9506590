package io.gantry.runner.expression;

import static io.gantry.runner.expression.TestContexts.context;
import static io.gantry.runner.expression.TestContexts.list;
import static io.gantry.runner.expression.TestContexts.map;
import static io.gantry.runner.expression.TestContexts.sample;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class FunctionsTest {

  private static Object eval(String expression) throws ExpressionException {
    return Expressions.evaluate(expression, context(sample()));
  }

  @ParameterizedTest(name = "{0} is {1}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      value = {
        "contains('Hello world', 'llo')                 | true",
        "contains('Hello world', 'LLO')                 | true",
        "contains('Hello world', 'xyz')                 | false",
        "contains('abc', '')                            | true",
        "contains(github.event.labels, 'bug')           | true",
        "contains(github.event.labels, 'URGENT')        | true",
        "contains(github.event.labels, '3')             | true",
        "contains(github.event.labels, 'bu')            | false",
        "contains(fromJSON('[\"push\", \"pull_request\"]'), github.event_name) | true",
        "contains(123, 2)                               | true",
        "contains(matrix, 'os')                         | false",
        "contains(null, '')                             | true",
      })
  void containsSearchesStringsCaseInsensitivelyAndArraysByLooseEquality(
      String expression, boolean expected) throws ExpressionException {
    assertThat(eval(expression)).isEqualTo(expected);
  }

  @ParameterizedTest(name = "{0} is {1}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      value = {
        "startsWith('Hello world', 'He')        | true",
        "startsWith('Hello world', 'hello')     | true",
        "startsWith('Hello world', 'world')     | false",
        "startsWith('ab', 'abc')                | false",
        "startsWith(github.ref, 'refs/heads/')  | true",
        "startsWith(12, 1)                      | true",
        "startsWith(matrix, '')                 | false",
        "endsWith('Hello world', 'ld')          | true",
        "endsWith('Hello world', 'WORLD')       | true",
        "endsWith('Hello world', 'Hello')       | false",
        "endsWith('anything', '')               | true",
      })
  void startsWithAndEndsWithIgnoreCase(String expression, boolean expected)
      throws ExpressionException {
    assertThat(eval(expression)).isEqualTo(expected);
  }

  @ParameterizedTest(name = "{0} gives {1}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      value = {
        "format('Hello {0} {1} {2}', 'Mona', 'the', 'Octocat') | Hello Mona the Octocat",
        "format('{{Hello {0} {1} {2}!}}', 'Mona', 'the', 'Octocat') | {Hello Mona the Octocat!}",
        "format('{0}{0}', 'ab')                                | abab",
        "format('{1}-{0}', 'a', 'b')                           | b-a",
        "format('{0}}}', 'x')                                  | x}",
        "format('{{{0}}}', 'x')                                | {x}",
        "format('n={0} b={1} z={2}.', 3, true, null)           | n=3 b=true z=.",
        "format('no placeholders')                             | no placeholders",
        "format('run {0}', github.run_number)                  | run 42",
      })
  void formatReplacesPlaceholdersAndUnescapesDoubledBraces(String expression, String expected)
      throws ExpressionException {
    assertThat(eval(expression)).isEqualTo(expected);
  }

  @ParameterizedTest(name = "{0} fails with \"{1}\"")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      value = {
        "format('{1}', 'a') | format: placeholder '{1}' has no argument (given 1 after the format"
            + " string)",
        "format('{0', 'a')  | format: '{' at index 0 of the format string is not closed",
        "format('a}b', 'a') | format: '}' at index 1 of the format string has no matching '{';"
            + " write '}}' for a literal '}'",
        "format('{x}', 'a') | format: invalid placeholder '{x}'; expected '{0}', '{1}', ...",
      })
  void formatRejectsBadPlaceholdersAndUnbalancedBraces(String expression, String message) {
    assertThatThrownBy(() -> eval("true && " + expression))
        .isInstanceOf(ExpressionException.class)
        .hasMessage(message)
        .extracting(e -> ((ExpressionException) e).offset())
        .isEqualTo(8);
  }

  @Test
  void joinConcatenatesArrayElementsWithACommaByDefault() throws ExpressionException {
    assertThat(eval("join(github.event.labels)")).isEqualTo("bug,Urgent,3");
    assertThat(eval("join(github.event.labels, ', ')")).isEqualTo("bug, Urgent, 3");
    assertThat(eval("join(github.event.commits.*.id, '')")).isEqualTo("a1b2c3");
    assertThat(eval("join(fromJSON('[]'), '-')")).isEqualTo("");
  }

  @Test
  void joinReturnsAStringArgumentAsIs() throws ExpressionException {
    assertThat(eval("join('abc', '-')")).isEqualTo("abc");
    assertThat(eval("join(null)")).isEqualTo("");
    assertThat(eval("join(7)")).isEqualTo("7");
  }

  @Test
  void toJsonPrettyPrintsWithTwoSpaceIndent() throws ExpressionException {
    assertThat(eval("toJSON(steps.build-1)"))
        .isEqualTo(
            "{\n"
                + "  \"outcome\": \"success\",\n"
                + "  \"outputs\": {\n"
                + "    \"version\": \"1.2.3\"\n"
                + "  }\n"
                + "}");
    assertThat(eval("toJSON(github.event.labels)"))
        .isEqualTo("[\n  \"bug\",\n  \"Urgent\",\n  3\n]");
    assertThat(eval("toJSON('a\"b')")).isEqualTo("\"a\\\"b\"");
    assertThat(eval("toJSON(null)")).isEqualTo("null");
    assertThat(eval("toJSON(1.5)")).isEqualTo("1.5");
    assertThat(eval("toJSON(fromJSON('{}'))")).isEqualTo("{}");
    assertThat(eval("toJSON(fromJSON('[]'))")).isEqualTo("[]");
  }

  @Test
  void fromJsonGivesPlainDataWithDoublesForNumbers() throws ExpressionException {
    assertThat(eval("fromJSON('{\"a\": [1, 2.5, true, null, \"x\"], \"b\": {}}')"))
        .isEqualTo(map("a", list(1.0, 2.5, true, null, "x"), "b", map()));
    assertThat(eval("fromJSON('true')")).isEqualTo(true);
    assertThat(eval("fromJSON('42')")).isEqualTo(42.0);
    assertThat(eval("fromJSON('\"s\"')")).isEqualTo("s");
    assertThat(eval("fromJSON('null')")).isNull();
  }

  @Test
  void toJsonAndFromJsonRoundTrip() throws ExpressionException {
    Object original = eval("github.event");
    assertThat(eval("fromJSON(toJSON(github.event))")).isEqualTo(original);
    assertThat(Expressions.fromJson(Expressions.toJson(original))).isEqualTo(original);
  }

  @Test
  void fromJsonRejectsMalformedJsonAtTheCall() {
    assertThatThrownBy(() -> eval("1 == fromJSON('{\"a\":')"))
        .isInstanceOf(ExpressionException.class)
        .hasMessageStartingWith("fromJSON: invalid JSON")
        .extracting(e -> ((ExpressionException) e).offset())
        .isEqualTo(5);
    assertThatThrownBy(() -> eval("fromJSON('')"))
        .hasMessage("fromJSON: invalid JSON: the input is empty");
    assertThatThrownBy(() -> eval("fromJSON('[1] 2')"))
        .hasMessageStartingWith("fromJSON: invalid JSON");
    assertThatThrownBy(() -> Expressions.fromJson("{x}"))
        .hasMessageStartingWith("invalid JSON at line 1, column 2");
  }

  @Test
  void functionNamesAreCaseInsensitive() throws ExpressionException {
    assertThat(eval("CONTAINS('abc', 'B')")).isEqualTo(true);
    assertThat(eval("tojson(1)")).isEqualTo("1");
    assertThat(eval("StartsWith('abc', 'a')")).isEqualTo(true);
  }

  @Test
  void statusFunctionsAnswerFromTheJobStatus() throws ExpressionException {
    var failed = TestContexts.withStatus(false, true, false);
    assertThat(Expressions.evaluate("success()", failed)).isEqualTo(false);
    assertThat(Expressions.evaluate("failure()", failed)).isEqualTo(true);
    assertThat(Expressions.evaluate("cancelled()", failed)).isEqualTo(false);
    assertThat(Expressions.evaluate("always()", failed)).isEqualTo(true);
    var cancelled = TestContexts.withStatus(false, false, true);
    assertThat(Expressions.evaluate("cancelled()", cancelled)).isEqualTo(true);
    assertThat(Expressions.evaluate("success()", context(sample()))).isEqualTo(true);
  }

  @Test
  void statusFunctionsTreatAMissingStatusAsSucceeding() throws ExpressionException {
    var noStatus = new ExpressionContext(sample(), null, null);
    assertThat(Expressions.evaluate("success()", noStatus)).isEqualTo(true);
    assertThat(Expressions.evaluate("failure()", noStatus)).isEqualTo(false);
  }

  @Test
  void anUnknownFunctionIsNamedWithASuggestionAndTheSupportedList() {
    assertThatThrownBy(() -> eval("contain(github.ref, 'main')"))
        .isInstanceOf(ExpressionException.class)
        .hasMessage(
            "unknown function 'contain'; did you mean 'contains'? Supported functions: always,"
                + " cancelled, contains, endsWith, failure, format, fromJSON, hashFiles, join,"
                + " startsWith, success, toJSON");
    assertThatThrownBy(() -> eval("length(github.ref)"))
        .hasMessageStartingWith("unknown function 'length'; supported functions: always,");
  }

  @ParameterizedTest(name = "{0} fails with \"{1}\"")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      value = {
        "contains('a')             | function 'contains' takes 2 arguments but was given 1",
        "success(1)                | function 'success' takes no arguments but was given 1",
        "join()                    | function 'join' takes 1 or 2 arguments but was given 0",
        "join('a', 'b', 'c')       | function 'join' takes 1 or 2 arguments but was given 3",
        "format()                  | function 'format' takes at least 1 argument but was given 0",
        "tojson(1, 2)              | function 'toJSON' takes 1 argument but was given 2",
      })
  void aWrongArgumentCountNamesTheFunctionAndItsArity(String expression, String message) {
    assertThatThrownBy(() -> eval(expression))
        .isInstanceOf(ExpressionException.class)
        .hasMessage(message);
  }
}
