package io.gantry.runner.action.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ActionManifestsTest {

  @Test
  void aCompositeActionKeepsItsStepsAndWhereEachStarts() throws Exception {
    ActionManifest m =
        ActionManifests.parse(
            """
            name: build
            inputs:
              target: {default: all}
            outputs:
              digest:
                value: ${{ steps.b.outputs.digest }}
            runs:
              using: composite
              steps:
                - id: b
                  run: make ${{ inputs.target }}
                  shell: bash
            """,
            "./.github/actions/build/action.yml");
    ActionManifest.CompositeRuns runs = (ActionManifest.CompositeRuns) m.runs();
    assertThat(runs.steps()).hasSize(1);
    assertThat(runs.steps().get(0).fields())
        .isEqualTo(Map.of("id", "b", "run", "make ${{ inputs.target }}", "shell", "bash"));
    assertThat(runs.steps().get(0).location().line()).isEqualTo(10);
    assertThat(m.outputs().get("digest").value()).isEqualTo("${{ steps.b.outputs.digest }}");
    assertThat(m.inputs().get("target").defaultValue()).isEqualTo("all");
  }

  @Test
  void aDockerAction() throws Exception {
    ActionManifest m =
        ActionManifests.parse(
            """
            name: lint
            runs:
              using: docker
              image: Dockerfile
              args: [--strict, "${{ inputs.path }}"]
              env: {LEVEL: "2"}
            """,
            "a/action.yml");
    assertThat(m.runs())
        .isEqualTo(
            new ActionManifest.DockerRuns(
                "Dockerfile",
                null,
                List.of("--strict", "${{ inputs.path }}"),
                Map.of("LEVEL", "2"),
                null,
                null));
  }

  @Test
  void everyProblemIsReportedWithFileLineAndColumn() {
    assertThatThrownBy(
            () ->
                ActionManifests.parse(
                    """
                    name: old
                    inputs: [a, b]
                    runs:
                      using: node8
                      main: index.js
                    """,
                    "acme/old@v1/action.yml"))
        .isInstanceOf(ActionFetchException.class)
        .hasMessage(
            "acme/old@v1/action.yml:2:9: inputs must be a mapping\n"
                + "acme/old@v1/action.yml:4:10: runs.using 'node8' is not something Gantry can"
                + " run; use node12, node16, node20, node24, composite or docker");
  }

  @Test
  void invalidYamlIsReportedAtItsPlace() {
    assertThatThrownBy(
            () -> ActionManifests.parse("runs:\n  using: node20\n   main: x\n", "x/action.yml"))
        .hasMessageStartingWith("x/action.yml:3:")
        .hasMessageContaining("invalid YAML");
  }

  @Test
  void aNodeActionWithoutMainOrRunsIsRefused() {
    assertThatThrownBy(() -> ActionManifests.parse("runs:\n  using: node20\n", "x/action.yml"))
        .hasMessage("x/action.yml:2:3: runs.main is missing; a node20 action names its script");
    assertThatThrownBy(() -> ActionManifests.parse("name: x\n", "x/action.yml"))
        .hasMessage(
            "x/action.yml:1:1: 'runs' is missing; an action says how it runs with runs.using");
  }
}
