package io.gantry.localecs;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The local load balancer: one HTTP listener on 127.0.0.1 per target group a service uses,
 * forwarding round-robin to the group's healthy targets only. Targets are the service's RUNNING
 * tasks (their host port for the container port); each is checked like an ALB target group checks
 * (GET path every interval, healthy/unhealthy threshold counts, matcher), starts "initial", and is
 * "draining" from the moment its task is stopping: no new requests, in-flight ones finish, then the
 * task's containers stop. Its own lock guards its structures; it takes the core lock only in {@link
 * #refresh()} to read the model.
 */
final class Balancer implements LoadBalancers, AutoCloseable {

  private static final Logger LOG = Logger.getLogger(Balancer.class.getName());

  private final LocalEcsCore core;
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(2))
          .build();
  private final ExecutorService handlers =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "local-ecs-lb");
            t.setDaemon(true);
            return t;
          });
  private final ScheduledExecutorService checks =
      Executors.newScheduledThreadPool(
          2,
          r -> {
            Thread t = new Thread(r, "local-ecs-lb-health");
            t.setDaemon(true);
            return t;
          });
  private final Map<String, Listener> listeners = new HashMap<>();
  private final Map<String, Long> requestCounts = new HashMap<>();
  private Set<String> knownTasks = Set.of();

  /** A target: one task in one target group. Guarded by the balancer. */
  static final class Target {
    final String taskArn;
    final String host;
    final int port;
    String state = "initial";
    String reason = "Elb.RegistrationInProgress";
    int successes;
    int failures;
    int inFlight;
    ScheduledFuture<?> check;

    Target(String taskArn, String address) {
      this.taskArn = taskArn;
      this.host = address.substring(0, address.lastIndexOf(':'));
      this.port = Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
    }
  }

  /** A listener and its targets. */
  static final class Listener {
    final Model.TargetGroup group;
    final HttpServer server;
    final Map<String, Target> targets = new LinkedHashMap<>();
    int next;

    Listener(Model.TargetGroup group, HttpServer server) {
      this.group = group;
      this.server = server;
    }
  }

  Balancer(LocalEcsCore core) {
    this.core = core;
  }

  @Override
  public void refresh() {
    // Desired: target group ARN → (task ARN → host:port), from the model: an awsvpc task's
    // private address and container port (ALB's target type ip), else the published host port.
    Map<String, Map<String, String>> wanted = new HashMap<>();
    Map<String, Model.TargetGroup> groups = new HashMap<>();
    synchronized (core) {
      for (Model.Cluster cluster : core.clusters().values()) {
        for (Model.Service service : cluster.services.values()) {
          for (JsonNode lb : service.loadBalancers) {
            Model.TargetGroup group = core.targetGroup(lb.path("targetGroupArn").asText());
            if (group == null) {
              continue;
            }
            groups.put(group.targetGroupArn, group);
            Map<String, String> targets =
                wanted.computeIfAbsent(group.targetGroupArn, k -> new LinkedHashMap<>());
            String container = lb.path("containerName").asText();
            int containerPort = lb.path("containerPort").asInt();
            for (Model.Task t : core.serviceTasks(cluster, service, false)) {
              if (!"RUNNING".equals(t.lastStatus) || !"RUNNING".equals(t.desiredStatus)) {
                continue;
              }
              Model.Container c = TaskRunner.container(t, container);
              if (c == null) {
                continue;
              }
              String vpcAddress = AwsVpc.privateAddress(t);
              if (vpcAddress != null) {
                targets.put(t.taskArn, vpcAddress + ":" + containerPort);
                continue;
              }
              for (Model.NetworkBinding b : c.networkBindings) {
                if (b.containerPort == containerPort) {
                  targets.put(t.taskArn, "127.0.0.1:" + b.hostPort);
                }
              }
            }
          }
        }
      }
    }
    // Read under the core lock before taking this one: the scheduler holds the core lock when it
    // calls into the balancer, so the balancer never waits for the core while holding itself.
    Set<String> stoppedTasks = new java.util.HashSet<>();
    Set<String> liveTasks = new java.util.HashSet<>();
    synchronized (core) {
      for (Model.Task t : core.state().tasks.values()) {
        (t.stopped() ? stoppedTasks : liveTasks).add(t.taskArn);
      }
    }
    List<Model.TargetGroup> toOpen = new ArrayList<>();
    synchronized (this) {
      knownTasks = new java.util.HashSet<>(liveTasks);
      for (Map.Entry<String, Map<String, String>> e : wanted.entrySet()) {
        Listener listener = listeners.get(e.getKey());
        if (listener == null) {
          toOpen.add(groups.get(e.getKey()));
          continue;
        }
        for (Map.Entry<String, String> t : e.getValue().entrySet()) {
          if (!listener.targets.containsKey(t.getKey())) {
            Target target = new Target(t.getKey(), t.getValue());
            listener.targets.put(t.getKey(), target);
            schedule(listener, target, 0);
          }
        }
        // Targets whose task is gone without draining (e.g. it crashed) leave at once.
        listener
            .targets
            .values()
            .removeIf(
                t -> {
                  boolean gone =
                      !e.getValue().containsKey(t.taskArn) && !t.state.equals("draining");
                  if (gone && t.check != null) {
                    t.check.cancel(false);
                  }
                  return gone;
                });
        listener
            .targets
            .values()
            .removeIf(
                t ->
                    t.state.equals("draining")
                        && t.inFlight == 0
                        && (stoppedTasks.contains(t.taskArn) || !taskKnown(t.taskArn)));
      }
    }
    for (Model.TargetGroup group : toOpen) {
      open(group);
    }
  }

  private boolean taskKnown(String taskArn) {
    // Pruned stopped tasks vanish from the state; a draining target of an unknown task is done.
    return knownTasks.contains(taskArn);
  }

  private void open(Model.TargetGroup group) {
    try {
      HttpServer server =
          HttpServer.create(
              new InetSocketAddress(InetAddress.getLoopbackAddress(), group.port), 128);
      Listener listener = new Listener(group, server);
      server.createContext("/", exchange -> forward(listener, exchange));
      server.setExecutor(handlers);
      server.start();
      synchronized (core) {
        if (group.port == 0) {
          group.port = server.getAddress().getPort();
        }
        for (Model.Cluster cluster : core.clusters().values()) {
          for (Model.Service service : cluster.services.values()) {
            if (service.loadBalancers.stream()
                .anyMatch(lb -> lb.path("targetGroupArn").asText().equals(group.targetGroupArn))) {
              core.event(
                  service,
                  "(service "
                      + service.serviceName
                      + ") load balancer for (target-group "
                      + group.targetGroupArn
                      + ") is listening on http://127.0.0.1:"
                      + group.port
                      + ".");
            }
          }
        }
      }
      synchronized (this) {
        listeners.put(group.targetGroupArn, listener);
      }
      LOG.info("load balancer for " + group.targetGroupName + " on 127.0.0.1:" + group.port);
    } catch (IOException e) {
      LOG.log(
          Level.WARNING,
          "cannot listen on 127.0.0.1:" + group.port + " for " + group.targetGroupName,
          e);
    }
  }

  private void schedule(Listener listener, Target target, long delayMillis) {
    try {
      target.check =
          checks.schedule(() -> check(listener, target), delayMillis, TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // closing
    }
  }

  private void check(Listener listener, Target target) {
    Model.TargetGroup g = listener.group;
    boolean ok;
    String why;
    try {
      HttpResponse<Void> response =
          http.send(
              HttpRequest.newBuilder(
                      URI.create("http://" + target.host + ":" + target.port + g.healthCheckPath))
                  .timeout(Duration.ofSeconds(g.healthCheckTimeoutSeconds))
                  .build(),
              HttpResponse.BodyHandlers.discarding());
      ok = matches(g.matcher, response.statusCode());
      why = ok ? null : "Target.ResponseCodeMismatch";
    } catch (IOException e) {
      ok = false;
      why =
          e instanceof java.net.http.HttpTimeoutException
              ? "Target.Timeout"
              : "Target.FailedHealthChecks";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    synchronized (this) {
      if (target.state.equals("draining") || listener.targets.get(target.taskArn) != target) {
        return;
      }
      if (ok) {
        target.failures = 0;
        target.successes++;
        if (target.successes >= g.healthyThresholdCount || target.state.equals("healthy")) {
          target.state = "healthy";
          target.reason = null;
        }
      } else {
        target.successes = 0;
        target.failures++;
        if (target.failures >= g.unhealthyThresholdCount) {
          target.state = "unhealthy";
          target.reason = why;
        }
      }
      schedule(listener, target, g.healthCheckIntervalSeconds * 1000L);
    }
  }

  static boolean matches(String matcher, int code) {
    for (String part : matcher.split(",")) {
      String p = part.strip();
      int dash = p.indexOf('-');
      if (dash > 0) {
        if (code >= Integer.parseInt(p.substring(0, dash))
            && code <= Integer.parseInt(p.substring(dash + 1))) {
          return true;
        }
      } else if (!p.isEmpty() && Integer.parseInt(p) == code) {
        return true;
      }
    }
    return false;
  }

  private void forward(Listener listener, HttpExchange exchange) throws IOException {
    Target target;
    synchronized (this) {
      requestCounts.merge(listener.group.targetGroupArn, 1L, Long::sum);
      List<Target> healthy = new ArrayList<>();
      for (Target t : listener.targets.values()) {
        if (t.state.equals("healthy")) {
          healthy.add(t);
        }
      }
      target =
          healthy.isEmpty() ? null : healthy.get(Math.floorMod(listener.next++, healthy.size()));
      if (target != null) {
        target.inFlight++;
      }
    }
    try (exchange) {
      if (target == null) {
        TargetProxy.respond(
            exchange,
            503,
            "503 Service Temporarily Unavailable: no healthy targets in "
                + listener.group.targetGroupName
                + "\n");
        return;
      }
      TargetProxy.relay(http, exchange, target.host, target.port);
    } finally {
      if (target != null) {
        synchronized (this) {
          target.inFlight--;
        }
      }
    }
  }

  @Override
  public synchronized RequestCount requests(String targetGroupArn) {
    Listener listener = listeners.get(targetGroupArn);
    int healthy = 0;
    if (listener != null) {
      for (Target t : listener.targets.values()) {
        healthy += t.state.equals("healthy") ? 1 : 0;
      }
    }
    return new RequestCount(requestCounts.getOrDefault(targetGroupArn, 0L), healthy);
  }

  @Override
  public synchronized boolean isHealthy(Model.Service service, Model.Task task) {
    for (JsonNode lb : service.loadBalancers) {
      Listener listener = listeners.get(lb.path("targetGroupArn").asText());
      Target target = listener == null ? null : listener.targets.get(task.taskArn);
      if (target == null || !target.state.equals("healthy")) {
        return false;
      }
    }
    return true;
  }

  @Override
  public synchronized String failure(Model.Service service, Model.Task task) {
    for (JsonNode lb : service.loadBalancers) {
      Listener listener = listeners.get(lb.path("targetGroupArn").asText());
      Target target = listener == null ? null : listener.targets.get(task.taskArn);
      if (target != null && target.state.equals("unhealthy")) {
        return "Task failed ELB health checks in (target-group "
            + listener.group.targetGroupArn
            + ")";
      }
    }
    return null;
  }

  @Override
  public synchronized Duration deregister(Model.Task task) {
    int longest = -1;
    for (Listener listener : listeners.values()) {
      Target target = listener.targets.get(task.taskArn);
      if (target != null) {
        target.state = "draining";
        target.reason = "Target.DeregistrationInProgress";
        if (target.check != null) {
          target.check.cancel(false);
        }
        longest = Math.max(longest, listener.group.deregistrationDelaySeconds);
      }
    }
    return longest < 0 ? Duration.ZERO : Duration.ofSeconds(Math.max(longest, 0));
  }

  @Override
  public synchronized boolean inFlight(Model.Task task) {
    for (Listener listener : listeners.values()) {
      Target target = listener.targets.get(task.taskArn);
      if (target != null && target.inFlight > 0) {
        return true;
      }
    }
    return false;
  }

  /** The target group's targets as ELBv2's DescribeTargetHealth lists them. */
  synchronized List<String[]> health(String targetGroupArn) {
    List<String[]> out = new ArrayList<>();
    Listener listener = listeners.get(targetGroupArn);
    if (listener != null) {
      for (Target t : listener.targets.values()) {
        out.add(new String[] {String.valueOf(t.port), t.state, t.reason});
      }
    }
    return out;
  }

  @Override
  public void close() {
    checks.shutdownNow();
    synchronized (this) {
      for (Listener listener : listeners.values()) {
        listener.server.stop(0);
      }
      listeners.clear();
    }
    handlers.shutdownNow();
  }
}
