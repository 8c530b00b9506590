package io.gantry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.gantry.runner.action.remote.ActionRepos;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code gantry validate} on an ECS deploy workflow as people write them for GitHub: what would
 * fail only after the image was pushed is reported before anything runs, one line each naming the
 * file, the step and the input: misspelt inputs of a built-in and of a fetched action in the action
 * cache, an out-of-range wait, CodeDeploy and ECR Public inputs Gantry does not implement, and
 * role-to-assume with no keys (GitHub's OIDC).
 */
class ValidateInputsTest {

  private static final String DEPLOY =
      """
name: deploy
on: push
env:
  AWS_REGION: eu-west-1
jobs:
  deploy:
    runs-on: ubuntu-latest
    permissions:
      id-token: write
      contents: read
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-dept: 0
      - name: Configure AWS credentials
        uses: aws-actions/configure-aws-credentials@v4
        with:
          role-to-assume: arn:aws:iam::123456789012:role/deploy
          aws-region: ${{ env.AWS_REGION }}
      - name: Login to Amazon ECR Public
        uses: aws-actions/amazon-ecr-login@v2
        with:
          registry-type: public
      - name: Deploy
        uses: aws-actions/amazon-ecs-deploy-task-definition@v2
        with:
          task-definition: task-definition.json
          service: web
          cluster: prod
          wait-for-minutes: 720
          codedeploy-appspec: appspec.yaml
          codedeploy-application: web
      - uses: actions/hello-world-javascript-action@v1
        with:
          who-to-gret: Mona
""";

  /** The same deploy as Gantry runs it: keys from secrets, or from the job's env. */
  private static final String FIXED =
      """
name: deploy
on: push
jobs:
  with-keys:
    runs-on: ubuntu-latest
    steps:
      - uses: aws-actions/configure-aws-credentials@v4
        with:
          aws-access-key-id: ${{ secrets.AWS_ACCESS_KEY_ID }}
          aws-secret-access-key: ${{ secrets.AWS_SECRET_ACCESS_KEY }}
          role-to-assume: arn:aws:iam::123456789012:role/deploy
          aws-region: eu-west-1
      - uses: aws-actions/configure-aws-credentials@v4
        with:
          role-to-assume: arn:aws:iam::123456789012:role/other
          role-chaining: true
      - uses: aws-actions/amazon-ecr-login@v2
        with:
          registry-type: private
      - uses: aws-actions/amazon-ecs-deploy-task-definition@v2
        with:
          task-definition: task-definition.json
          wait-for-minutes: ${{ vars.WAIT }}
  from-env:
    runs-on: ubuntu-latest
    env:
      AWS_ACCESS_KEY_ID: ${{ secrets.KEY }}
      AWS_SECRET_ACCESS_KEY: ${{ secrets.SECRET }}
    steps:
      - uses: aws-actions/configure-aws-credentials@v4
        with:
          role-to-assume: arn:aws:iam::123456789012:role/deploy
          aws-region: eu-west-1
      - uses: aws-actions/amazon-ecs-deploy-task-definition@v2
        with:
          task-definition: task-definition.json
          wait-for-minutes: 360
      - uses: actions/hello-world-javascript-action@v1
        with:
          who-to-greet: Mona
""";

  @TempDir Path dir;
  private Path repo;
  private Path data;
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  @BeforeEach
  void fetchTheHelloWorldActionIntoTheActionCache() throws Exception {
    data = dir.resolve("data");
    Path first = Files.createDirectories(dir.resolve("first/.github/workflows"));
    Files.writeString(
        first.resolve("ci.yml"),
        "on: push\njobs:\n  hello:\n    runs-on: ubuntu-latest\n    steps:\n"
            + "      - uses: actions/hello-world-javascript-action@v1\n"
            + "        with:\n          who-to-greet: Gantry\n");
    String source = ActionRepos.serve(dir.resolve("source"));
    assertThat(
            gantry(
                "run",
                dir.resolve("first").toString(),
                "--data-dir",
                data.toString(),
                "--action-source",
                source))
        .as(out + "\n" + err)
        .isZero();
    assertThat(out.toString()).contains("Hello, Gantry!");
    repo = Files.createDirectories(dir.resolve("repo/.github/workflows")).getParent().getParent();
  }

  private int gantry(String... args) {
    out.getBuffer().setLength(0);
    err.getBuffer().setLength(0);
    return Gantry.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
  }

  @Test
  void whatWouldFailAfterThePushIsReportedAtValidationNamingStepAndInput() throws Exception {
    Files.writeString(repo.resolve(".github/workflows/deploy.yml"), DEPLOY);
    assertThat(gantry("validate", repo.toString(), "--data-dir", data.toString())).isEqualTo(2);
    String file = ".github/workflows/deploy.yml";
    assertThat(err.toString().split("\n"))
        .containsExactly(
            file
                + ":14:11: unknown input 'fetch-dept' for actions/checkout@v4; did you mean"
                + " 'fetch-depth'?",
            file
                + ":23:26: step 'Login to Amazon ECR Public': input 'registry-type': 'public'"
                + " (Amazon ECR Public, public.ecr.aws) is not supported by Gantry; log in to a"
                + " private ECR registry (registry-type: private, the default)",
            file
                + ":30:29: step 'Deploy': input 'wait-for-minutes': '720' is out of range; give a"
                + " whole number of minutes from 1 to 360 (6 hours, the action's documented"
                + " maximum)",
            file
                + ":31:31: step 'Deploy': input 'codedeploy-appspec': CodeDeploy blue/green"
                + " deployments are not supported by Gantry; remove the codedeploy-* inputs to"
                + " deploy with ECS's rolling update",
            file
                + ":32:35: step 'Deploy': input 'codedeploy-application': CodeDeploy blue/green"
                + " deployments are not supported by Gantry; remove the codedeploy-* inputs to"
                + " deploy with ECS's rolling update",
            file
                + ":35:11: unknown input 'who-to-gret' for"
                + " actions/hello-world-javascript-action@v1; did you mean 'who-to-greet'?",
            "6 problems in 1 file(s)");
    assertThat(out.toString().strip())
        .isEqualTo(
            file
                + ":18:27: warning: step 'Configure AWS credentials': input 'role-to-assume': no"
                + " aws-access-key-id to assume the role with: on GitHub this is OIDC"
                + " (permissions: id-token: write), which Gantry does not provide, so it works"
                + " only when Gantry's own environment holds AWS keys; give aws-access-key-id and"
                + " aws-secret-access-key (from secrets), or web-identity-token-file");
  }

  @Test
  void theSameDeployWithKeysAndValuesInRangeIsValid() throws Exception {
    Files.writeString(repo.resolve(".github/workflows/deploy.yml"), FIXED);
    assertThat(gantry("validate", repo.toString(), "--data-dir", data.toString()))
        .as(out + "\n" + err)
        .isZero();
    assertThat(out.toString()).isEqualTo(".github/workflows/deploy.yml: valid (2 jobs)\n");
  }

  @Test
  void aFetchedActionsInputsAreUncheckedUntilItIsInTheActionCache() throws Exception {
    Files.writeString(
        repo.resolve(".github/workflows/ci.yml"),
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
            + "      - uses: actions/hello-world-javascript-action@v1\n"
            + "        with:\n          who-to-gret: Mona\n");
    assertThat(gantry("validate", repo.toString(), "--data-dir", dir.resolve("empty").toString()))
        .as(err.toString())
        .isZero();
    assertThat(gantry("validate", repo.toString(), "--data-dir", data.toString())).isEqualTo(2);
    assertThat(err.toString())
        .startsWith(
            ".github/workflows/ci.yml:8:11: unknown input 'who-to-gret' for"
                + " actions/hello-world-javascript-action@v1; did you mean 'who-to-greet'?\n");
  }
}
