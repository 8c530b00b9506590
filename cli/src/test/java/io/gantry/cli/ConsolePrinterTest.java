package io.gantry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.gantry.runner.execution.LogLine;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ConsolePrinterTest {

  private final StringWriter out = new StringWriter();
  private final ConsolePrinter printer = new ConsolePrinter(new PrintWriter(out), "ci");

  private void line(LogLine.Kind kind, String text) {
    printer.logLine("build", new LogLine(Instant.EPOCH, "build", "test", kind, text));
  }

  @Test
  void tagsEveryLineWithWorkflowAndJob() {
    line(LogLine.Kind.OUTPUT, "compiling");
    line(LogLine.Kind.ERROR, "app.js:1: boom");
    assertThat(out.toString())
        .isEqualTo(
            "[ci / build]   compiling\n[ci / build]   Error: app.js:1: boom\n"
                .replace("\n", System.lineSeparator()));
  }

  @Test
  void dropsLinesThatAreNothingButColourCodes() {
    line(LogLine.Kind.OUTPUT, "\u001B[0m\u001B[0m");
    line(LogLine.Kind.OUTPUT, "\u001B[1mbold\u001B[0m");
    assertThat(out.toString()).doesNotContain("[0m[0m").contains("bold");
  }

  @Test
  void keepsDeliberatelyEmptyLines() {
    line(LogLine.Kind.OUTPUT, "");
    assertThat(out.toString()).isEqualTo("[ci / build]   " + System.lineSeparator());
  }
}
