package io.gantry.server;

import io.gantry.server.config.ConfigLoader;
import io.gantry.server.config.ServerConfig;
import io.gantry.server.forge.PostReceiveClient;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * The two parts of the {@code gantry} executable (module {@code cli}) that this module's tests run
 * as processes of their own, for tests that {@code kill -9} a server or push through a bare
 * repository's hook: {@code serve --config FILE} and {@code hook post-receive --server URL --repo
 * NAME}, with the same arguments. The executable itself depends on this module, so the tests cannot
 * start it; its own tests (module {@code cli}) run the real commands.
 */
final class ServerMain {

  private ServerMain() {}

  public static void main(String[] args) throws Exception {
    List<String> arguments = List.of(args);
    if (arguments.size() == 3
        && arguments.get(0).equals("serve")
        && arguments.get(1).equals("--config")) {
      serve(Path.of(arguments.get(2)));
    } else if (arguments.size() == 6
        && arguments.subList(0, 2).equals(List.of("hook", "post-receive"))
        && arguments.get(2).equals("--server")
        && arguments.get(4).equals("--repo")) {
      PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
      PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
      int exit =
          new PostReceiveClient()
              .send(
                  arguments.get(3),
                  arguments.get(5),
                  System.getenv("GANTRY_HOOK_SECRET"),
                  new InputStreamReader(System.in, StandardCharsets.UTF_8),
                  out,
                  err);
      out.flush();
      err.flush();
      System.exit(exit);
    } else {
      throw new IllegalArgumentException(
          "usage: serve --config FILE | hook post-receive --server URL --repo NAME");
    }
  }

  private static void serve(Path config) throws Exception {
    ServerConfig loaded = new ConfigLoader(System::getenv).load(config);
    // As the executable's serve command prints them.
    GantryServer server =
        GantryServer.start(loaded, notice -> System.err.println("gantry serve: " + notice));
    System.out.println("Gantry listening on port " + server.port());
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  server.close();
                  stopped.countDown();
                }));
    stopped.await();
  }
}
