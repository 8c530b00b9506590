package io.gantry.runner.command;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class WorkflowCommandTest {

  @Test
  void parsesNamePropertiesAndMessageWithEscapes() {
    WorkflowCommand command =
        WorkflowCommand.parse("::error file=src/a%2Cb.js,line=3,col=7::bad%0Athing 100%25");
    assertThat(command.name()).isEqualTo("error");
    assertThat(command.properties())
        .isEqualTo(Map.of("file", "src/a,b.js", "line", "3", "col", "7"));
    assertThat(command.message()).isEqualTo("bad\nthing 100%");
    assertThat(command.annotationPrefix()).isEqualTo("src/a,b.js:3:7: ");
  }

  @Test
  void plainOutputIsNotACommand() {
    assertThat(WorkflowCommand.parse("hello ::world::")).isNull();
    assertThat(WorkflowCommand.parse(":: no name")).isNull();
    assertThat(WorkflowCommand.parse("::::")).isNull();
  }

  @Test
  void commandNamesAreCaseInsensitive() {
    assertThat(WorkflowCommand.parse("::Add-Mask::x").name()).isEqualTo("add-mask");
  }
}
