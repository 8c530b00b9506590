package io.gantry.server.web;

import static io.gantry.runner.git.GitRepos.git;
import static org.assertj.core.api.Assertions.assertThat;

import io.gantry.localecs.LocalEcs;
import io.gantry.localecs.LocalEcsTesting;
import io.gantry.runner.expression.Expressions;
import io.gantry.server.GantryServer;
import io.gantry.server.config.ConfigLoader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.ContainerDefinition;
import software.amazon.awssdk.services.ecs.model.DesiredStatus;
import software.amazon.awssdk.services.ecs.model.KeyValuePair;

/**
 * "Roll back to this" on the deployments page, in Debian's headless Chromium, against the server's
 * embedded local-ecs running the service's tasks as Podman containers: two real deploys through a
 * workflow, then an operator rolls back to the first from the page, confirms, sees the progress end
 * with "Rolled back", the history gain the rollback, and ECS run the first task definition again.
 */
@Tag("browser")
@Tag("containers")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RollbackBrowserTest {

  private static final String TOKEN = "rollback-browser-token";

  @TempDir static Path dir;
  private GantryServer server;
  private EcsClient ecs;
  private Browser browser;
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  void start() throws Exception {
    LocalEcsTesting.requireContainers();
    browser = Browser.start();
    Path repo = dir.resolve("repo");
    Files.createDirectories(repo.resolve(".github/workflows"));
    Files.writeString(
        repo.resolve(".github/workflows/deploy.yml"),
        """
        name: deploy
        on:
          workflow_dispatch:
            inputs:
              version:
                required: true
        jobs:
          deploy:
            runs-on: x
            steps:
              - uses: actions/checkout@v4
              - run: sed "s/VERSION_HERE/${{ inputs.version }}/" td.json > rendered.json
              - uses: aws-actions/amazon-ecs-deploy-task-definition@v2
                with:
                  task-definition: rendered.json
                  service: web
                  wait-for-minutes: 2
        """);
    Files.writeString(
        repo.resolve("td.json"),
        """
        {
          "family": "web",
          "containerDefinitions": [
            {
              "name": "web",
              "image": "%s",
              "essential": true,
              "memory": 64,
              "command": ["sh", "-c", "mkdir -p /www && echo $VERSION > /www/index.html && trap 'exit 0' TERM; httpd -f -p 8080 -h /www & wait"],
              "environment": [{"name": "VERSION", "value": "VERSION_HERE"}]
            }
          ]
        }
        """
            .formatted(LocalEcsTesting.IMAGE));
    git(repo, "init", "-q", "-b", "main");
    git(repo, "add", ".");
    git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "x");
    Path config = dir.resolve("gantry.yml");
    Files.writeString(
        config,
        "server:\n  port: 0\n  bind: 127.0.0.1\n  data-dir: "
            + dir.resolve("data")
            + "\n  api-token: "
            + TOKEN
            + "\n  workers: 2\nrepositories:\n  - name: acme/web\n    forge: git\n"
            + "    clone-url: file://"
            + repo
            + "\n    webhook-secret: s\n"
            + "local-ecs:\n  port: 0\n  region: us-east-1\n");
    server = GantryServer.start(new ConfigLoader(Map.<String, String>of()::get).load(config));
    LocalEcs localEcs = server.localEcs().orElseThrow();
    LocalEcsTesting.loadTestImage(localEcs);
    ecs =
        EcsClient.builder()
            .endpointOverride(localEcs.endpoint())
            .region(Region.US_EAST_1)
            .credentialsProvider(
                StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
            .httpClient(UrlConnectionHttpClient.create())
            .build();
  }

  @AfterAll
  void stop() throws Exception {
    try {
      if (browser != null) {
        browser.close();
      }
      if (ecs != null) {
        // The embedded local-ecs leaves tasks running on close: delete the service, wait for its
        // tasks to stop and remove their containers.
        Set<String> tasks = new HashSet<>(tasks());
        try {
          ecs.deleteService(r -> r.service("web").force(true));
        } catch (RuntimeException notCreated) {
          // The test failed before creating it.
        }
        for (int i = 0;
            i < 300
                && !ecs.listTasks(r -> r.desiredStatus(DesiredStatus.RUNNING)).taskArns().isEmpty();
            i++) {
          Thread.sleep(100);
        }
        tasks.addAll(tasks());
        LocalEcsTesting.removeContainers(server.localEcs().orElseThrow(), tasks);
        ecs.close();
      }
    } finally {
      if (server != null) {
        server.close();
      }
    }
  }

  @Test
  void anOperatorRollsTheServiceBackFromTheDeploymentsPage() throws Exception {
    createService();
    deploy("v1");
    deploy("v2");
    assertThat(taskDefinition()).endsWith("task-definition/web:3");

    browser.driver.manage().deleteAllCookies();
    browser.driver.get(base() + "/signin?next=/services/default/web");
    browser.driver.findElement(By.id("token")).sendKeys(TOKEN);
    browser.driver.findElement(By.cssSelector(".signin button[type=submit]")).click();
    browser.await(d -> d.getCurrentUrl().endsWith("/services/default/web"));
    // The history is there once the page is; on a busy machine the page may still be loading.
    browser.await(d -> d.findElements(By.cssSelector("table.deployments tbody tr")).size() >= 2);
    List<WebElement> rows =
        browser.driver.findElements(By.cssSelector("table.deployments tbody tr"));
    assertThat(rows).hasSize(2);
    String newest = rows.get(0).getDomAttribute("id");
    WebElement first = rows.get(1);
    assertThat(first.getText()).contains("deploy succeeded").contains("web:2");
    assertThat(rows.get(0).findElements(By.cssSelector("button[data-rollback]"))).isEmpty();

    first.findElement(By.cssSelector("button[data-rollback]")).click();
    assertThat(browser.driver.switchTo().alert().getText()).contains("web:2");
    browser.driver.switchTo().alert().accept();

    String progress =
        browser.await(
            d -> {
              String text = d.findElement(By.id("progress")).getText();
              return text.startsWith("Rolled back") || text.startsWith("Rollback failed")
                  ? text
                  : null;
            });
    assertThat(progress).startsWith("Rolled back: ");
    WebElement top =
        browser.await(
            d -> {
              List<WebElement> now = d.findElements(By.cssSelector("table.deployments tbody tr"));
              return now.size() == 3 ? now.get(0) : null;
            });
    assertThat(top.getText())
        .contains("rollback succeeded")
        .contains("undoes #" + newest.substring("deployment-".length()))
        .contains("web:2");
    assertThat(top.getDomAttribute("class")).isEqualTo("good");
    browser.screenshot("rolled-back");
    assertThat(taskDefinition()).endsWith("task-definition/web:2");
    assertThat(runningTaskDefinitions()).containsOnly("web:2");
  }

  private void createService() {
    String first =
        ecs.registerTaskDefinition(
                r ->
                    r.family("web")
                        .containerDefinitions(
                            ContainerDefinition.builder()
                                .name("web")
                                .image(LocalEcsTesting.IMAGE)
                                .essential(true)
                                .memory(64)
                                .command(LocalEcsTesting.WEB_COMMAND)
                                .environment(
                                    KeyValuePair.builder().name("VERSION").value("v0").build())
                                .build()))
            .taskDefinition()
            .taskDefinitionArn();
    ecs.createService(
        r ->
            r.serviceName("web")
                .taskDefinition(first)
                .desiredCount(1)
                .deploymentConfiguration(
                    c ->
                        c.minimumHealthyPercent(0)
                            .maximumPercent(200)
                            .deploymentCircuitBreaker(b -> b.enable(true).rollback(true))));
  }

  private void deploy(String version) throws Exception {
    HttpResponse<String> created =
        http.send(
            HttpRequest.newBuilder(URI.create(base() + "/api/runs"))
                .header("Authorization", "Bearer " + TOKEN)
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"repo\":\"acme/web\",\"ref\":\"main\",\"workflow\":\"deploy.yml\","
                            + "\"inputs\":{\"version\":\""
                            + version
                            + "\"}}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    long id = ((Number) ((Map<?, ?>) Expressions.fromJson(created.body())).get("id")).longValue();
    Map<?, ?> run = Map.of();
    for (int i = 0; i < 1200 && !"COMPLETED".equals(run.get("status")); i++) {
      Thread.sleep(100);
      run = (Map<?, ?>) Expressions.fromJson(get("/api/runs/" + id));
    }
    assertThat(run.get("conclusion")).as(get("/api/runs/" + id + "/logs")).isEqualTo("success");
  }

  private String get(String path) throws Exception {
    return http.send(
            HttpRequest.newBuilder(URI.create(base() + path))
                .header("Authorization", "Bearer " + TOKEN)
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  private String taskDefinition() {
    return ecs.describeServices(r -> r.services("web")).services().get(0).taskDefinition();
  }

  private List<String> runningTaskDefinitions() {
    List<String> arns =
        ecs.listTasks(r -> r.serviceName("web").desiredStatus(DesiredStatus.RUNNING)).taskArns();
    return ecs.describeTasks(r -> r.tasks(arns)).tasks().stream()
        .map(t -> t.taskDefinitionArn().substring(t.taskDefinitionArn().lastIndexOf('/') + 1))
        .toList();
  }

  private List<String> tasks() {
    List<String> arns =
        new ArrayList<>(ecs.listTasks(r -> r.desiredStatus(DesiredStatus.RUNNING)).taskArns());
    arns.addAll(ecs.listTasks(r -> r.desiredStatus(DesiredStatus.STOPPED)).taskArns());
    return arns;
  }

  private String base() {
    return "http://127.0.0.1:" + server.port();
  }
}
