package io.gantry.engine;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.StreamType;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.zerodep.ZerodepDockerHttpClient;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Follows containers' output line by line, on a client of its own: each follow holds a connection
 * for its container's life, so they get a pool of their own, created on first use.
 */
final class DockerLogStreams {

  private final URI dockerHost;
  private volatile DockerClient followClient;

  DockerLogStreams(URI dockerHost) {
    this.dockerHost = dockerHost;
  }

  AutoCloseable follow(String id, Consumer<String> lines, Runnable ended) {
    ResultCallback.Adapter<Frame> callback =
        new ResultCallback.Adapter<>() {
          private final Map<StreamType, StringBuilder> partial = new java.util.HashMap<>();

          @Override
          public void onNext(Frame frame) {
            StringBuilder buffer =
                partial.computeIfAbsent(frame.getStreamType(), k -> new StringBuilder());
            buffer.append(new String(frame.getPayload(), StandardCharsets.UTF_8));
            int newline;
            while ((newline = buffer.indexOf("\n")) >= 0) {
              lines.accept(buffer.substring(0, newline));
              buffer.delete(0, newline + 1);
            }
            if (buffer.length() > 262_144) {
              lines.accept(buffer.toString());
              buffer.setLength(0);
            }
          }

          @Override
          public void onComplete() {
            partial
                .values()
                .forEach(
                    b -> {
                      if (b.length() > 0) {
                        lines.accept(b.toString());
                      }
                    });
            ended.run();
            super.onComplete();
          }

          @Override
          public void onError(Throwable throwable) {
            ended.run();
            super.onError(throwable);
          }
        };
    try {
      return followClient()
          .logContainerCmd(id)
          .withStdOut(true)
          .withStdErr(true)
          .withTimestamps(true)
          .withFollowStream(true)
          .exec(callback);
    } catch (RuntimeException e) {
      throw DockerEngine.wrap(e);
    }
  }

  private DockerClient followClient() {
    DockerClient c = followClient;
    if (c == null) {
      synchronized (this) {
        c = followClient;
        if (c == null) {
          c =
              DockerClientImpl.getInstance(
                  DefaultDockerClientConfig.createDefaultConfigBuilder()
                      .withDockerHost(dockerHost.toString())
                      .build(),
                  new ZerodepDockerHttpClient.Builder()
                      .dockerHost(dockerHost)
                      .maxConnections(4096)
                      .connectionTimeout(Duration.ofSeconds(10))
                      .build());
          followClient = c;
        }
      }
    }
    return c;
  }

  void close() throws IOException {
    DockerClient c = followClient;
    if (c != null) {
      c.close();
    }
  }
}
