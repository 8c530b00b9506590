package io.gantry.runner.expression;

import static org.assertj.core.api.Assertions.assertThat;

import io.gantry.runner.expression.Expressions.Reference;
import org.junit.jupiter.api.Test;

class ReferencesTest {

  @Test
  void aPropertyChainIsOneLowerCasedDottedPathAtTheOffsetOfItsContext() {
    String text = "echo \"${{ github.event.head_commit.message }}\"";
    assertThat(Expressions.references(text))
        .containsExactly(new Reference("github.event.head_commit.message", text.indexOf("github")));
    assertThat(Expressions.references("${{ GitHub.Event.Pull_Request.Title }}"))
        .containsExactly(new Reference("github.event.pull_request.title", 4));
  }

  @Test
  void everyExpressionOfATemplateContributes() {
    String text = "${{ github.head_ref }} and ${{ env.A }}";
    assertThat(Expressions.references(text))
        .containsExactly(
            new Reference("github.head_ref", 4), new Reference("env.a", text.indexOf("env")));
  }

  @Test
  void stringIndexesAreFoldedInAsPropertyNames() {
    assertThat(Expressions.references("${{ github['event'].ref }}"))
        .containsExactly(new Reference("github.event.ref", 4));
  }

  @Test
  void numericIndexesAndFiltersBecomeStars() {
    assertThat(Expressions.references("${{ github.event.commits[0].author.name }}"))
        .containsExactly(new Reference("github.event.commits.*.author.name", 4));
    assertThat(Expressions.references("${{ github.event.commits.*.message }}"))
        .containsExactly(new Reference("github.event.commits.*.message", 4));
  }

  @Test
  void aComputedIndexIsAStarAndItsOwnReferencesCount() {
    String text = "${{ steps[env.STEP].outputs.x }}";
    assertThat(Expressions.references(text))
        .containsExactly(
            new Reference("steps.*.outputs.x", 4), new Reference("env.step", text.indexOf("env")));
  }

  @Test
  void referencesInsideFunctionArgumentsAndOperatorsCount() {
    String text =
        "${{ format('{0}', github.event.head_commit.message) }}"
            + "${{ github.event.issue.title || !inputs.x }}";
    assertThat(Expressions.references(text))
        .extracting(Reference::path)
        .containsExactly(
            "github.event.head_commit.message", "github.event.issue.title", "inputs.x");
  }

  @Test
  void onlyTheWholeChainIsReportedNotItsPrefixes() {
    assertThat(Expressions.references("${{ github.event.pull_request.head.ref }}"))
        .extracting(Reference::path)
        .containsExactly("github.event.pull_request.head.ref");
  }

  @Test
  void aBareContextIsAReference() {
    assertThat(Expressions.references("${{ toJSON(github) }}"))
        .containsExactly(new Reference("github", 11));
  }

  @Test
  void chainsOnFunctionResultsAreNotContextReferencesButTheirArgumentsAre() {
    assertThat(Expressions.references("${{ fromJSON(env.JSON).title }}"))
        .containsExactly(new Reference("env.json", 13));
  }

  @Test
  void textWithoutExpressionsOrWithSyntaxErrorsHasNoReferences() {
    assertThat(Expressions.references("echo github.event.head_commit.message")).isEmpty();
    assertThat(Expressions.references("${{ github.event.issue.title ==  }}")).isEmpty();
    assertThat(Expressions.references("${{ github.ref")).isEmpty();
    assertThat(Expressions.references(null)).isEmpty();
  }

  @Test
  void unknownFunctionsDoNotStopReferencesFromBeingFound() {
    assertThat(Expressions.references("${{ lenght(github.head_ref) }}"))
        .containsExactly(new Reference("github.head_ref", 11));
  }
}
