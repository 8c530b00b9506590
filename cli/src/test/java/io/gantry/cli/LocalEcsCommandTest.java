package io.gantry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

/** {@code gantry local-ecs}'s argument checks and its logs client. */
class LocalEcsCommandTest {

  final StringWriter out = new StringWriter();
  final StringWriter err = new StringWriter();

  int run(String... args) {
    return Gantry.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
  }

  @Test
  void aPortOutOfRangeIsRejectedInOneLine() {
    assertThat(run("local-ecs", "--port", "70000")).isEqualTo(Gantry.BAD_INPUT);
    assertThat(err.toString())
        .isEqualTo(
            "gantry local-ecs: --port must be between 0 and 65535, got 70000"
                + System.lineSeparator());
  }

  @Test
  void instanceAndMetricOptionsOutOfRangeAreRejectedInOneLine() {
    assertThat(run("local-ecs", "--instances", "-1")).isEqualTo(Gantry.BAD_INPUT);
    assertThat(run("local-ecs", "--instances", "3", "--instance-cpu", "64"))
        .isEqualTo(Gantry.BAD_INPUT);
    assertThat(run("local-ecs", "--instances", "3", "--instance-memory", "0"))
        .isEqualTo(Gantry.BAD_INPUT);
    assertThat(run("local-ecs", "--metric-period-seconds", "0")).isEqualTo(Gantry.BAD_INPUT);
    assertThat(err.toString().split(System.lineSeparator()))
        .containsExactly(
            "gantry local-ecs: --instances must be between 0 and 100, got -1",
            "gantry local-ecs: --instance-cpu must be at least 128 CPU units (1024 a vCPU), got"
                + " 64",
            "gantry local-ecs: --instance-memory must be at least 128 MiB, got 0",
            "gantry local-ecs: --metric-period-seconds must be between 0.1 and 3600, got 0.0");
  }

  @Test
  void logsSaysWhenNoLocalEcsAnswers() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    assertThat(run("local-ecs", "logs", "abc123", "--endpoint", "http://127.0.0.1:" + port))
        .isEqualTo(Gantry.RUN_FAILED);
    assertThat(err.toString())
        .startsWith("gantry local-ecs logs: nothing answers on http://127.0.0.1:" + port)
        .contains("is gantry local-ecs running?");
  }

  @Test
  void logsRejectsSomethingThatIsNotATask() {
    assertThat(run("local-ecs", "logs", "task?id", "--endpoint", "http://127.0.0.1:1"))
        .isEqualTo(Gantry.BAD_INPUT);
    assertThat(err.toString()).contains("'task?id' is not a task id or ARN");
  }
}
