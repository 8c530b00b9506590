package io.gantry.localecs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gantry.engine.DockerEngine;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The HTTP face: AWS's JSON 1.1 protocol on POST /, the action named by {@code X-Amz-Target}
 * ({@code AmazonEC2ContainerServiceV20141113.*} for ECS, {@code
 * AmazonEC2ContainerRegistry_V20150921.*} for ECR). Errors are AWS's shape, {@code {"__type",
 * "message"}} with status 400 (500 for local-ecs's own failures), so SDKs raise their typed
 * exceptions. Bound to 127.0.0.1 only.
 */
final class AwsHttp implements AutoCloseable {

  private static final Logger LOG = Logger.getLogger(AwsHttp.class.getName());
  static final String ECS_PREFIX = "AmazonEC2ContainerServiceV20141113.";
  static final String ECR_PREFIX = "AmazonEC2ContainerRegistry_V20150921.";
  private static final String JSON = "application/x-amz-json-1.1";

  private final Javalin app;

  private AwsHttp(Javalin app) {
    this.app = app;
  }

  static AwsHttp start(LocalEcsCore core, LocalRegistry registry, Balancer balancer, int port) {
    ObjectMapper mapper = core.mapper();
    EcsActions ecs = new EcsActions(core);
    EcrActions ecr = registry == null ? null : new EcrActions(core, registry);
    Elbv2Actions elb = new Elbv2Actions(core, balancer);
    LogsActions logs = new LogsActions(core.logGroups(), mapper, core.options().region());
    SecretsManagerActions secrets =
        new SecretsManagerActions(core.secrets(), mapper, core.options().region());
    SsmActions ssm = new SsmActions(core.secrets(), mapper, core.options().region());
    ScalingActions scaling = new ScalingActions(core);
    CloudWatchActions cloudWatch = new CloudWatchActions(core);
    Javalin app =
        Javalin.create(
            c -> {
              c.showJavalinBanner = false;
              c.http.maxRequestSize = 10_000_000L;
            });
    app.post(
        "/",
        ctx -> {
          String target = ctx.header("X-Amz-Target");
          ctx.header("x-amzn-RequestId", Arns.uuid());
          String type = ctx.contentType();
          if (target == null
              && type != null
              && type.startsWith("application/x-www-form-urlencoded")) {
            var form = Elbv2Actions.form(ctx.body());
            boolean metrics = CloudWatchActions.VERSION.equals(form.get("Version"));
            try {
              ctx.contentType("text/xml")
                  .result(metrics ? cloudWatch.handle(form) : elb.handle(form));
            } catch (AwsError e) {
              ctx.status(e.status)
                  .contentType("text/xml")
                  .result(metrics ? CloudWatchActions.error(e) : Elbv2Actions.error(e));
            }
            return;
          }
          ObjectNode response;
          try {
            ObjectNode request = body(mapper, ctx);
            if (target != null && target.startsWith(ECS_PREFIX)) {
              response = ecs.handle(target.substring(ECS_PREFIX.length()), request);
            } else if (target != null && target.startsWith(SecretsManagerActions.PREFIX)) {
              response =
                  secrets.handle(target.substring(SecretsManagerActions.PREFIX.length()), request);
            } else if (target != null && target.startsWith(SsmActions.PREFIX)) {
              response = ssm.handle(target.substring(SsmActions.PREFIX.length()), request);
            } else if (target != null && target.startsWith(ScalingActions.PREFIX)) {
              response = scaling.handle(target.substring(ScalingActions.PREFIX.length()), request);
            } else if (target != null && target.startsWith(LogsActions.PREFIX)) {
              response = logs.handle(target.substring(LogsActions.PREFIX.length()), request);
            } else if (target != null && target.startsWith(ECR_PREFIX)) {
              if (ecr == null) {
                throw new AwsError(
                    "ServerException", "local-ecs was started without its registry, so no ECR.");
              }
              response = ecr.handle(target.substring(ECR_PREFIX.length()), request);
            } else {
              throw new AwsError(
                  "UnknownOperationException",
                  "X-Amz-Target '"
                      + target
                      + "' names no ECS, ECR, CloudWatch Logs, Secrets Manager, SSM or Application Auto"
                      + " Scaling action.");
            }
          } catch (AwsError e) {
            error(ctx, mapper, e);
            return;
          }
          ctx.status(200).contentType(JSON).result(mapper.writeValueAsString(response));
        });
    app.get(
        "/local-ecs/tasks/{task}/logs",
        ctx -> {
          try {
            ctx.contentType("text/plain; charset=utf-8").result(core.logs(ctx.pathParam("task")));
          } catch (IllegalArgumentException e) {
            ctx.status(404).contentType("text/plain; charset=utf-8").result(e.getMessage() + "\n");
          }
        });
    app.exception(
        Exception.class,
        (e, ctx) -> {
          LOG.log(Level.WARNING, "local-ecs API error", e);
          error(
              ctx,
              mapper,
              new AwsError("ServerException", "local-ecs failed: " + DockerEngine.msg(e), 500));
        });
    app.start("127.0.0.1", port);
    return new AwsHttp(app);
  }

  private static ObjectNode body(ObjectMapper mapper, Context ctx) {
    String body = ctx.body();
    if (body.isBlank()) {
      return mapper.createObjectNode();
    }
    try {
      JsonNode node = mapper.readTree(body);
      if (!node.isObject()) {
        throw new AwsError("SerializationException", "The request body must be a JSON object.");
      }
      return (ObjectNode) node;
    } catch (JsonProcessingException e) {
      throw new AwsError(
          "SerializationException", "The request body is not JSON: " + e.getOriginalMessage());
    }
  }

  private static void error(Context ctx, ObjectMapper mapper, AwsError e) {
    ObjectNode body = mapper.createObjectNode();
    body.put("__type", e.type);
    body.put("message", e.getMessage());
    ctx.status(e.status)
        .contentType(JSON)
        .header("x-amzn-ErrorType", e.type)
        .result(body.toString());
  }

  int port() {
    return app.port();
  }

  @Override
  public void close() {
    app.stop();
  }
}
