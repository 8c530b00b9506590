package io.gantry.runner.expression;

import static io.gantry.runner.expression.TestContexts.context;
import static io.gantry.runner.expression.TestContexts.list;
import static io.gantry.runner.expression.TestContexts.map;
import static io.gantry.runner.expression.TestContexts.sample;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PropertyAccessTest {

  private static Object eval(String expression) throws ExpressionException {
    return Expressions.evaluate(expression, context(sample()));
  }

  @Test
  void propertiesAreReadWithDotsOrStringIndexes() throws ExpressionException {
    assertThat(eval("github.ref")).isEqualTo("refs/heads/main");
    assertThat(eval("github['ref']")).isEqualTo("refs/heads/main");
    assertThat(eval("github.event.head_commit.message")).isEqualTo("Fix the build");
    assertThat(eval("github['event']['head_commit'].message")).isEqualTo("Fix the build");
  }

  @Test
  void contextAndPropertyNamesAreCaseInsensitive() throws ExpressionException {
    assertThat(eval("GitHub.REF")).isEqualTo("refs/heads/main");
    assertThat(eval("env.greeting")).isEqualTo("hello");
    assertThat(eval("ENV['Greeting']")).isEqualTo("hello");
  }

  @Test
  void propertyNamesMayContainDashes() throws ExpressionException {
    assertThat(eval("steps.build-1.outputs.version")).isEqualTo("1.2.3");
  }

  @Test
  void missingPropertiesAndPropertiesOfNullGiveNull() throws ExpressionException {
    assertThat(eval("github.nope")).isNull();
    assertThat(eval("github.nope.deeper.still")).isNull();
    assertThat(eval("steps.test.outputs.version")).isNull();
    assertThat(eval("github.ref.length")).isNull();
    assertThat(eval("github.run_number.x")).isNull();
  }

  @Test
  void arraysAreIndexedByNumbers() throws ExpressionException {
    assertThat(eval("github.event.commits[0].id")).isEqualTo("a1");
    assertThat(eval("github.event.commits[1].author.name")).isEqualTo("Hubot");
    assertThat(eval("github.event.commits['1'].id")).isEqualTo("b2");
    assertThat(eval("github.event.labels[2]")).isEqualTo(3.0);
  }

  @Test
  void outOfRangeOrFractionalIndexesGiveNull() throws ExpressionException {
    assertThat(eval("github.event.commits[3]")).isNull();
    assertThat(eval("github.event.commits[-1]")).isNull();
    assertThat(eval("github.event.commits[0.5]")).isNull();
    assertThat(eval("github.event.commits.id")).isNull();
  }

  @Test
  void objectsAreIndexedByComputedStrings() throws ExpressionException {
    assertThat(eval("steps[format('build-{0}', 1)].outcome")).isEqualTo("success");
    assertThat(eval("matrix[env.nope]")).isNull();
  }

  @Test
  void objectFilterOverAnArrayCollectsAPropertyOfEveryElement() throws ExpressionException {
    assertThat(eval("github.event.commits.*.id")).isEqualTo(list("a1", "b2", "c3"));
    // The third commit has no author: it is skipped, not turned into null.
    assertThat(eval("github.event.commits.*.author.name")).isEqualTo(list("Mona", "Hubot"));
    assertThat(eval("fromJSON('[{\"a\":1},{\"a\":2}]').*.a")).isEqualTo(list(1.0, 2.0));
  }

  @Test
  void objectFilterOverAnObjectCollectsAPropertyOfEveryValue() throws ExpressionException {
    assertThat(eval("steps.*.outcome")).isEqualTo(list("success", "failure"));
    assertThat(eval("contains(steps.*.outcome, 'failure')")).isEqualTo(true);
    assertThat(eval("steps[*].outcome")).isEqualTo(list("success", "failure"));
  }

  @Test
  void objectFilterOnAScalarGivesAnEmptyArray() throws ExpressionException {
    assertThat(eval("github.ref.*")).isEqualTo(list());
    assertThat(eval("github.nope.*.x")).isEqualTo(list());
  }

  @Test
  void nestedFiltersFlatten() throws ExpressionException {
    var contexts =
        map(
            "env",
            map(
                "groups",
                list(
                    map("items", list(map("n", 1.0), map("n", 2.0))),
                    map("items", list(map("n", 3.0))))));
    assertThat(Expressions.evaluate("env.groups.*.items.*.n", context(contexts)))
        .isEqualTo(list(1.0, 2.0, 3.0));
    assertThat(Expressions.evaluate("env.groups.*.items[0].n", context(contexts)))
        .isEqualTo(list(1.0, 3.0));
  }

  @Test
  void resultsOfFunctionsAndGroupsCanBeDereferenced() throws ExpressionException {
    assertThat(eval("fromJSON('{\"a\":{\"b\":[10,20]}}').a.b[1]")).isEqualTo(20.0);
    assertThat(eval("(github).ref")).isEqualTo("refs/heads/main");
  }

  @Test
  void aContextThatIsNotProvidedIsAnError() {
    assertThatThrownBy(() -> eval("needs.build.result"))
        .isInstanceOf(ExpressionException.class)
        .hasMessage("context 'needs' is not available here; available: env, github, matrix, steps")
        .extracting(e -> ((ExpressionException) e).offset())
        .isEqualTo(0);
  }
}
