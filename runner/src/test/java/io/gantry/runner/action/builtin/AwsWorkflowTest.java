package io.gantry.runner.action.builtin;

import static io.gantry.runner.action.builtin.ConfigureAwsCredentialsActionTest.KEY;
import static io.gantry.runner.action.builtin.ConfigureAwsCredentialsActionTest.ROLE;
import static io.gantry.runner.action.builtin.ConfigureAwsCredentialsActionTest.SECRET;
import static org.assertj.core.api.Assertions.assertThat;

import io.gantry.runner.action.Action;
import io.gantry.runner.action.ActionContext;
import io.gantry.runner.action.ActionRegistry;
import io.gantry.runner.action.ActionResult;
import io.gantry.runner.aws.LocalAws;
import io.gantry.runner.execution.ExecutorOptions;
import io.gantry.runner.execution.JobResult;
import io.gantry.runner.execution.LogLine;
import io.gantry.runner.execution.RunListener;
import io.gantry.runner.execution.RunRequest;
import io.gantry.runner.execution.RunResult;
import io.gantry.runner.execution.StepResult;
import io.gantry.runner.execution.WorkflowExecutor;
import io.gantry.runner.store.RunStore;
import io.gantry.runner.store.Stores;
import io.gantry.runner.workflow.Workflow;
import io.gantry.runner.workflow.WorkflowParser;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Whole workflows through the real parser, executor, shell processes, masker and log store:
 * configure-aws-credentials assumes a role at the local STS, amazon-ecr-login logs in at the local
 * ECR with the role's session, a later action step finds the login in the job's registry logins,
 * and a {@code run:} step sees the exported variables while the log shows {@code ***}.
 */
class AwsWorkflowTest {

  private static final String ROLE_REGISTRY = "444455556666.dkr.ecr.eu-west-1.amazonaws.com";
  private static final String ROLE_SUFFIX = "444455556666_dkr_ecr_eu_west_1_amazonaws_com";

  @TempDir Path data;
  @TempDir Path project;
  private LocalAws aws;
  private RunStore store;
  private WorkflowExecutor executor;
  private ActionRegistry actions;

  @BeforeEach
  void start() throws Exception {
    aws = LocalAws.start();
    aws.addUser(KEY, SECRET, "111122223333", "ci");
    aws.addRole(ROLE, null);
    List<Action> all = new ArrayList<>(BuiltInActions.aws());
    all.add(new RegistryProbe());
    actions = new ActionRegistry(all);
    store = Stores.openEmbedded(data);
    executor = new WorkflowExecutor(actions, store, ExecutorOptions.defaults(data));
  }

  @AfterEach
  void stop() {
    executor.close();
    store.close();
    aws.close();
  }

  private static final String WORKFLOW =
      """
      name: deploy
      on: push
      env:
        AWS_ENDPOINT_URL: "@ENDPOINT@"
      jobs:
        push:
          runs-on: ubuntu-latest
          steps:
            - name: Configure AWS credentials
              id: creds
              uses: aws-actions/configure-aws-credentials@v4
              with:
                aws-access-key-id: ${{ secrets.AWS_ACCESS_KEY_ID }}
                aws-secret-access-key: ${{ secrets.AWS_SECRET_ACCESS_KEY }}
                aws-region: eu-west-1
                role-to-assume: arn:aws:iam::444455556666:role/deploy
            - name: Login to Amazon ECR
              id: ecr
              uses: aws-actions/amazon-ecr-login@v2
            - name: Find the login
              id: probe
              uses: test/registry-probe@v1
              with:
                registry: ${{ steps.ecr.outputs.registry }}
            - name: Show
              env:
                OUT: "@OUTDIR@"
              run: |
                echo "key=$AWS_ACCESS_KEY_ID"
                echo "secret=$AWS_SECRET_ACCESS_KEY"
                echo "token=$AWS_SESSION_TOKEN"
                echo "region=$AWS_REGION default=$AWS_DEFAULT_REGION"
                echo "registry=${{ steps.ecr.outputs.registry }}"
                echo "account=${{ steps.creds.outputs.aws-account-id }}"
                echo "password=${{ steps.ecr.outputs.docker_password_@SUFFIX@ }}"
                printf '%s' "$AWS_ACCESS_KEY_ID" > "$OUT/key"
                printf '%s' "$AWS_SESSION_TOKEN" > "$OUT/token"
      """;

  private record Run(RunResult result, List<String> live, List<String> stored) {}

  private Run run(String secret) throws Exception {
    Path out = Files.createDirectories(project.resolve("out"));
    Path file = project.resolve("deploy.yml");
    Files.writeString(
        file,
        WORKFLOW
            .replace("@ENDPOINT@", aws.endpoint().toString())
            .replace("@OUTDIR@", out.toString())
            .replace("@SUFFIX@", ROLE_SUFFIX));
    Workflow workflow = new WorkflowParser(actions).parse(file, "deploy.yml");
    RunRequest request =
        new RunRequest(
            workflow,
            "acme/web",
            "push",
            Map.of("ref", "refs/heads/main"),
            "refs/heads/main",
            "0123456789abcdef0123456789abcdef01234567",
            Map.of(),
            Map.of("AWS_ACCESS_KEY_ID", KEY, "AWS_SECRET_ACCESS_KEY", secret),
            Map.of(),
            Map.of(),
            Set.of(),
            project,
            null,
            null,
            "octocat");
    List<String> live = new CopyOnWriteArrayList<>();
    RunListener listener =
        new RunListener() {
          @Override
          public void logLine(String jobKey, LogLine line) {
            live.add(line.text());
          }
        };
    RunResult result = executor.start(request, listener).await();
    return new Run(result, live, executor.logs().readRun(result.runId()));
  }

  @Test
  void laterStepsSeeTheExportedCredentialsAndTheLoginWhileTheLogShowsStars() throws Exception {
    Run run = run(SECRET);

    JobResult job = run.result().jobs().get(0);
    assertThat(run.result().conclusion().label()).as("%s", describe(job)).isEqualTo("success");

    // What the run: step saw is what STS issued for the role.
    Path out = project.resolve("out");
    String roleKey = Files.readString(out.resolve("key"));
    LocalAws.Principal role = aws.principal(roleKey);
    assertThat(role).as("key %s was issued by STS", roleKey).isNotNull();
    assertThat(role.arn()).isEqualTo("arn:aws:sts::444455556666:assumed-role/deploy/GitHubActions");
    assertThat(Files.readString(out.resolve("token"))).isEqualTo(role.sessionToken());

    // ECR was called with the role's session, and the login reached the later action step.
    LocalAws.Call ecr = aws.calls("GetAuthorizationToken").get(0);
    assertThat(ecr.authorization().accessKeyId()).isEqualTo(roleKey);
    assertThat(ecr.authorization().scope()).endsWith("/eu-west-1/ecr/aws4_request");
    String password = aws.ecrLogins().get(0).password();
    StepResult probe = step(job, "Find the login");
    assertThat(probe.outputs())
        .containsEntry("username", "AWS")
        .containsEntry("password-sha256", sha256(password));
    assertThat(step(job, "Login to Amazon ECR").outputs())
        .containsEntry("registry", ROLE_REGISTRY)
        .containsEntry("docker_username_" + ROLE_SUFFIX, "AWS");

    for (List<String> log : List.of(run.live(), run.stored())) {
      assertThat(log)
          .anyMatch(l -> l.endsWith("key=***"))
          .anyMatch(l -> l.endsWith("secret=***"))
          .anyMatch(l -> l.endsWith("token=***"))
          .anyMatch(l -> l.endsWith("region=eu-west-1 default=eu-west-1"))
          .anyMatch(l -> l.endsWith("registry=" + ROLE_REGISTRY))
          .anyMatch(l -> l.endsWith("account=444455556666"))
          .anyMatch(l -> l.endsWith("password=***"))
          .anyMatch(l -> l.contains("Logged in to " + ROLE_REGISTRY + " as AWS"));
      String text = String.join("\n", log);
      for (String secret :
          List.of(KEY, SECRET, roleKey, role.secretAccessKey(), role.sessionToken(), password)) {
        assertThat(text).doesNotContain(secret);
      }
    }
  }

  @Test
  void wrongKeysFailTheStepWithOneLineAndSkipTheRest() throws Exception {
    Run run = run("not-the-secret-key");

    JobResult job = run.result().jobs().get(0);
    assertThat(run.result().conclusion().label()).isEqualTo("failure");
    StepResult configure = step(job, "Configure AWS credentials");
    assertThat(configure.conclusion().label()).isEqualTo("failure");
    assertThat(configure.message())
        .startsWith(
            "aws-actions/configure-aws-credentials: STS AssumeRole at "
                + aws.endpoint()
                + " (region eu-west-1) was refused: HTTP 403 SignatureDoesNotMatch")
        .doesNotContain("\n");
    assertThat(step(job, "Login to Amazon ECR").conclusion().label()).isEqualTo("skipped");
    assertThat(aws.calls("GetAuthorizationToken")).isEmpty();
    assertThat(run.stored()).anyMatch(l -> l.contains("SignatureDoesNotMatch"));
    assertThat(String.join("\n", run.stored())).doesNotContain("not-the-secret-key");
  }

  private static StepResult step(JobResult job, String name) {
    return job.steps().stream()
        .filter(s -> s.name().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no step " + name + " in " + describe(job)));
  }

  private static String describe(JobResult job) {
    List<String> steps = new ArrayList<>();
    for (StepResult s : job.steps()) {
      steps.add(
          s.name()
              + "="
              + s.conclusion().label()
              + (s.message() != null ? " (" + s.message() + ")" : ""));
    }
    return job.key() + ": " + steps;
  }

  private static String sha256(String text) throws Exception {
    return HexFormat.of()
        .formatHex(
            MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
  }

  /** A later action of the job, reading its registry logins as gantry/build-image does. */
  private static final class RegistryProbe implements Action {
    @Override
    public String name() {
      return "test/registry-probe";
    }

    @Override
    public Set<String> versions() {
      return Set.of("v1");
    }

    @Override
    public Map<String, String> inputs() {
      return Map.of("registry", "");
    }

    @Override
    public Set<String> requiredInputs() {
      return Set.of("registry");
    }

    @Override
    public ActionResult run(ActionContext context) throws Exception {
      var login = context.registryLogins().find(context.input("registry"));
      if (login.isEmpty()) {
        return ActionResult.failure("no login for '" + context.input("registry") + "'");
      }
      context.setOutput("username", login.get().username());
      context.setOutput("password-sha256", sha256(login.get().password()));
      return ActionResult.ok();
    }
  }
}
