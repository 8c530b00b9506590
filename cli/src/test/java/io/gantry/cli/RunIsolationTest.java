package io.gantry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.gantry.runner.testing.BusyboxImage;
import io.gantry.runner.testing.Podman;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code gantry run --isolation container --isolation-image IMAGE}: a workflow that asks for no
 * container runs every job in one of the image (Debian's static busybox, imported into Podman), as
 * gantry.yml's {@code runner: {isolation: container, image}} does for the server; bad values are
 * one line each.
 */
class RunIsolationTest {

  private static final String WORKFLOW =
      """
      on: push
      jobs:
        build:
          runs-on: ubuntu-latest
          steps:
            - run: |
                if [ -e /etc/debian_version ]; then d=yes; else d=no; fi
                echo "busybox=$(readlink /bin/sh) debian=$d workspace=$GITHUB_WORKSPACE"
      """;

  @TempDir Path dir;
  private Path repo;
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  @BeforeEach
  void repository() throws Exception {
    repo = dir.resolve("web");
    Files.createDirectories(repo.resolve(".github/workflows"));
    Files.writeString(repo.resolve(".github/workflows/ci.yml"), WORKFLOW);
  }

  private int gantry(String... extra) {
    out.getBuffer().setLength(0);
    err.getBuffer().setLength(0);
    String[] base = {"run", repo.toString(), "--data-dir", dir.resolve("data").toString()};
    String[] args = new String[base.length + extra.length];
    System.arraycopy(base, 0, args, 0, base.length);
    System.arraycopy(extra, 0, args, base.length, extra.length);
    return Gantry.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
  }

  @Test
  @Tag("containers")
  void everyJobRunsInAContainerOfTheIsolationImage() throws Exception {
    BusyboxImage.ensure(Podman.require());
    assertThat(gantry("--isolation", "container", "--isolation-image", BusyboxImage.NAME))
        .as(out + "\n" + err)
        .isZero();
    assertThat(out.toString())
        .contains("Starting job container (" + BusyboxImage.NAME + ")")
        .contains("busybox=busybox debian=no workspace=/__w/web/web");

    // Without the option, the same workflow runs on this machine.
    assertThat(gantry()).as(out + "\n" + err).isZero();
    assertThat(out.toString()).doesNotContain("Starting job container").contains("workspace=/");
    assertThat(out.toString()).doesNotContain("workspace=/__w/");
  }

  @Test
  void badValuesAreOneLineEach() {
    assertThat(gantry("--isolation", "vm")).isEqualTo(Gantry.BAD_INPUT);
    assertThat(err.toString())
        .isEqualTo(
            "gantry run: --isolation must be none (steps on this machine) or container (every job"
                + " in a container of --isolation-image), got 'vm'\n");
    assertThat(gantry("--isolation", "container")).isEqualTo(Gantry.BAD_INPUT);
    assertThat(err.toString())
        .startsWith("gantry run: --isolation container needs --isolation-image IMAGE")
        .hasLineCount(1);
    assertThat(gantry("--isolation-image", "debian:12")).isEqualTo(Gantry.BAD_INPUT);
    assertThat(err.toString())
        .isEqualTo(
            "gantry run: --isolation-image is used only with --isolation container; add"
                + " --isolation container or drop --isolation-image\n");
    assertThat(gantry("--isolation", "container", "--isolation-image", "debian 12"))
        .isEqualTo(Gantry.BAD_INPUT);
    assertThat(err.toString())
        .isEqualTo(
            "gantry run: --isolation-image must be an image reference such as debian:12, got"
                + " 'debian 12'\n");
    assertThat(out.toString()).isEmpty();
  }
}
