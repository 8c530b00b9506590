package io.gantry.server;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code bench/followers}: a real {@code gantry serve} process (its heap capped with {@code
 * -Xmx300m}) runs a 20,000-line run with no live log follower, then with FOLLOWERS followers (SSE
 * over sockets, in this JVM), alternately, ROUNDS times each. Per run: the wall time from dispatch
 * to COMPLETED, the server's CPU time (utime + stime of its process), its peak resident memory, and
 * whether every follower got every line. Arguments: WORK_DIR [FOLLOWERS] [ROUNDS] [LINES].
 */
public final class FollowersBench {

  private FollowersBench() {}

  public static void main(String[] args) throws Exception {
    Path work = Path.of(args[0]);
    int followers = args.length > 1 ? Integer.parseInt(args[1]) : 100;
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    int lines = args.length > 3 ? Integer.parseInt(args[3]) : 20_000;
    String workflow =
        "name: talk\non: workflow_dispatch\njobs:\n  t:\n    runs-on: x\n    steps:\n"
            + "      - run: for i in $(seq 1 "
            + lines
            + "); do echo \"line $i of the benchmark's run, some text to make it a log line\"; done\n";
    try (KilledServerFixture server = new KilledServerFixture(work, Map.of("talk.yml", workflow))) {
      long pid = server.start(List.of("-Xmx300m", "-XX:+UseSerialGC"));
      // One untimed run warms the server up.
      server.awaitStatus(server.dispatch("talk.yml"), "COMPLETED");
      System.out.printf(
          "%-10s %10s %14s %16s %s%n",
          "followers",
          "run (ms)",
          "server CPU (s)",
          "peak RSS (MB)",
          "every follower got every line");
      for (int round = 0; round < rounds; round++) {
        for (int n : new int[] {0, followers}) {
          long cpuBefore = cpuTicks(pid);
          long started = System.nanoTime();
          long id = server.dispatch("talk.yml");
          List<SseFollower> list = new ArrayList<>();
          List<Thread> threads = new ArrayList<>();
          for (int i = 0; i < n; i++) {
            SseFollower follower = new SseFollower(server.port(), id, null);
            list.add(follower);
            Thread thread = new Thread(follower, "bench-follower-" + i);
            thread.setDaemon(true);
            thread.start();
            threads.add(thread);
          }
          server.awaitStatus(id, "COMPLETED");
          long runMillis = (System.nanoTime() - started) / 1_000_000;
          long cpu = cpuTicks(pid) - cpuBefore;
          for (Thread thread : threads) {
            thread.join(600_000);
          }
          boolean complete = true;
          for (SseFollower f : list) {
            complete &= f.failure == null && "success".equals(f.end) && f.ids.size() > lines;
          }
          System.out.printf(
              "%-10d %10d %14.2f %16d %s%n",
              n, runMillis, cpu / 100.0, peakRssMb(pid), n == 0 ? "-" : complete ? "yes" : "NO");
        }
      }
    }
  }

  /** utime + stime of the process, in clock ticks (100 per second on Linux). */
  private static long cpuTicks(long pid) throws Exception {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"), StandardCharsets.UTF_8);
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
  }

  private static long peakRssMb(long pid) throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (line.startsWith("VmHWM:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
      }
    }
    return -1;
  }
}
