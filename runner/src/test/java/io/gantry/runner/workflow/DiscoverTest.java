package io.gantry.runner.workflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DiscoverTest {

  @TempDir Path repo;

  @Test
  void aRepositoryGivesItsWorkflowFilesSortedByName() throws Exception {
    Path workflows = Files.createDirectories(repo.resolve(".github/workflows"));
    Files.writeString(workflows.resolve("deploy.yaml"), "");
    Files.writeString(workflows.resolve("build.yml"), "");
    Files.writeString(workflows.resolve("notes.txt"), "");
    Files.writeString(repo.resolve("other.yml"), "");

    assertThat(WorkflowParser.discover(repo))
        .containsExactly(workflows.resolve("build.yml"), workflows.resolve("deploy.yaml"));
  }

  @Test
  void aFolderWithoutGithubWorkflowsGivesItsOwnYamlFiles() throws Exception {
    Files.writeString(repo.resolve("b.yaml"), "");
    Files.writeString(repo.resolve("a.yml"), "");

    assertThat(WorkflowParser.discover(repo))
        .containsExactly(repo.resolve("a.yml"), repo.resolve("b.yaml"));
  }

  @Test
  void aFileIsItself() throws Exception {
    Path file = Files.writeString(repo.resolve("ci.yml"), "");

    assertThat(WorkflowParser.discover(file)).containsExactly(file);
  }

  @Test
  void anEmptyWorkflowFolderIsAnError() throws Exception {
    Path workflows = Files.createDirectories(repo.resolve(".github/workflows"));

    assertThatThrownBy(() -> WorkflowParser.discover(repo))
        .isInstanceOf(WorkflowException.class)
        .hasMessageEndingWith("no workflow files in " + workflows + " (*.yml, *.yaml)");
  }

  @Test
  void aFolderWithoutAnyWorkflowIsAnError() {
    assertThatThrownBy(() -> WorkflowParser.discover(repo))
        .isInstanceOf(WorkflowException.class)
        .hasMessageContaining("no workflow files in " + repo.resolve(".github/workflows"));
  }

  @Test
  void aMissingPathIsAnError() {
    Path missing = repo.resolve("nope");

    assertThatThrownBy(() -> WorkflowParser.discover(missing))
        .isInstanceOf(WorkflowException.class)
        .hasMessageEndingWith(missing + " does not exist");
  }
}
