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
 * over sockets, all on one selector thread of this JVM: {@link NioFollowers}), alternately, ROUNDS
 * times each. Per run: the wall time from dispatch to COMPLETED, the server's CPU time (utime +
 * stime of its process), the CPU time of this JVM (the followers' side), the server's peak resident
 * memory, and whether every follower got every line. Arguments: WORK_DIR [FOLLOWERS] [ROUNDS]
 * [LINES] [BEFORE_CLASSPATH]. With BEFORE_CLASSPATH (the server's classes of an earlier build), a
 * second server runs from it, and each round measures both, before then after, with the same
 * followers' code: side by side in one run.
 *
 * <p>The followers of each round follow twice: as they are ({@code plain}) and accepting {@code
 * gzip}, as browsers do ({@code gzip}; not for the earlier build); {@code FOLLOWERS_MODES} (e.g.
 * {@code plain}) picks. With {@code FOLLOWERS_SECONDS} (e.g. 20) the run writes its lines at a
 * steady rate over that many seconds (a batch every 50 ms), as a live log of a real build does,
 * instead of in one burst: then what matters is the server's CPU use over the same wall time, in %
 * of one core. Also printed per run: the bytes the followers read off their sockets.
 */
public final class FollowersBench {

  private FollowersBench() {}

  /** One measured run. */
  private record Result(
      String side,
      String mode,
      int followers,
      long runMillis,
      double serverCpu,
      double serverCpuToEnd,
      double clientCpu,
      double readMb) {}

  public static void main(String[] args) throws Exception {
    Path work = Path.of(args[0]);
    int followers = args.length > 1 ? Integer.parseInt(args[1]) : 100;
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    int lines = args.length > 3 ? Integer.parseInt(args[3]) : 20_000;
    String before = args.length > 4 && !args[4].isBlank() ? args[4] : null;
    int seconds = Integer.parseInt(System.getenv().getOrDefault("FOLLOWERS_SECONDS", "0"));
    List<String> modes =
        List.of(
            System.getenv().getOrDefault("FOLLOWERS_MODES", "plain gzip").strip().split("\\s+"));
    // The followers stand in for browsers on other machines: unless FOLLOWERS_CLIENT_NICE=0, their
    // thread here gives way to the server's on this machine's cores (nice 10).
    boolean clientNice = !"0".equals(System.getenv("FOLLOWERS_CLIENT_NICE"));
    String line = "echo \"line $i of the benchmark's run, some text to make it a log line\"";
    String script;
    if (seconds > 0) {
      // A batch every 50 ms: LINES / (SECONDS × 20) lines each.
      int ticks = seconds * 20;
      int per = Math.max(1, lines / ticks);
      lines = per * ticks;
      script =
          "for t in $(seq 0 "
              + (ticks - 1)
              + "); do for j in $(seq 1 "
              + per
              + "); do i=$((t * "
              + per
              + " + j)); "
              + line
              + "; done; sleep 0.05; done";
    } else {
      script = "for i in $(seq 1 " + lines + "); do " + line + "; done";
    }
    System.out.printf(
        "a run of %d lines, %s; followers: %s%s%n",
        lines,
        seconds > 0 ? "written over " + seconds + " s" : "in one burst",
        modes,
        clientNice ? ", at nice 10" : "");
    String workflow =
        "name: talk\non: workflow_dispatch\njobs:\n  t:\n    runs-on: x\n    steps:\n"
            + "      - run: "
            + script
            + "\n";
    List<String> sides = before == null ? List.of("this") : List.of("before", "after");
    Map<String, KilledServerFixture> servers = new java.util.LinkedHashMap<>();
    Map<String, Long> pids = new java.util.HashMap<>();
    List<Result> results = new ArrayList<>();
    try {
      for (String side : sides) {
        Path dir = work.resolve(side);
        Files.createDirectories(dir);
        KilledServerFixture server = new KilledServerFixture(dir, Map.of("talk.yml", workflow));
        // A hundred browsers come from a hundred addresses: the followers, all from 127.0.0.1, must
        // not be refused by the per-address cap (64 by default), which would have them reconnect
        // until the run ended and catch up from its journal.
        Files.writeString(
            dir.resolve("gantry.yml"),
            "limits:\n  connections-per-address: 1000\n",
            java.nio.file.StandardOpenOption.APPEND);
        servers.put(side, server);
        List<String> options = new ArrayList<>(List.of("-Xmx300m", "-XX:+UseSerialGC"));
        // More options for the servers' JVMs (e.g. a JFR recording): FOLLOWERS_SERVER_OPTIONS,
        // in which {side} is replaced by "before", "after" or "this".
        String extra = System.getenv("FOLLOWERS_SERVER_OPTIONS");
        if (extra != null && !extra.isBlank()) {
          for (String option : extra.strip().split("\\s+")) {
            options.add(option.replace("{side}", side));
          }
        }
        pids.put(
            side, side.equals("before") ? server.start(options, before) : server.start(options));
        // One untimed run warms the server up.
        server.awaitStatus(server.dispatch("talk.yml"), "COMPLETED");
      }
      System.out.printf(
          "%-7s %-16s %10s %32s %14s %16s %10s %s%n",
          "server",
          "followers",
          "run (ms)",
          "server CPU (s) in the run / to the end",
          "client CPU (s)",
          "peak RSS (MB)",
          "read (MB)",
          "every follower got every line");
      for (int round = 0; round < rounds; round++) {
        for (String side : sides) {
          List<String> runs = new ArrayList<>(List.of("-"));
          for (String mode : modes) {
            if (!(side.equals("before") && mode.equals("gzip"))) {
              runs.add(mode);
            }
          }
          for (String mode : runs) {
            int n = mode.equals("-") ? 0 : followers;
            KilledServerFixture server = servers.get(side);
            long pid = pids.get(side);
            long cpuBefore = cpuTicks(pid);
            long sysBefore = sysTicks(pid);
            long clientBefore = cpuTicks(ProcessHandle.current().pid());
            long started = System.nanoTime();
            long id = server.dispatch("talk.yml");
            NioFollowers list = new NioFollowers(server.port(), id, n, mode.equals("gzip"));
            java.util.concurrent.atomic.AtomicReference<Throwable> failed =
                new java.util.concurrent.atomic.AtomicReference<>();
            Thread thread =
                new Thread(
                    () -> {
                      try {
                        if (clientNice) {
                          Niceness.lowerCurrentThread();
                        }
                        list.run(600_000);
                      } catch (Throwable e) {
                        failed.set(e);
                      }
                    },
                    "bench-followers");
            thread.setDaemon(true);
            if (n > 0) {
              thread.start();
            }
            server.awaitStatus(id, "COMPLETED");
            long runMillis = (System.nanoTime() - started) / 1_000_000;
            long cpu = cpuTicks(pid) - cpuBefore;
            long sys = sysTicks(pid) - sysBefore;
            long clientCpu = cpuTicks(ProcessHandle.current().pid()) - clientBefore;
            if (n > 0) {
              thread.join(600_000);
            }
            // The server's CPU until every follower has the end: after a burst, it goes on writing
            // to the followers after the run ended.
            long cpuToEnd = cpuTicks(pid) - cpuBefore;
            boolean complete = failed.get() == null;
            int behind = 0;
            int gzipped = 0;
            int reconnections = 0;
            for (NioFollowers.Follower f : list.followers()) {
              complete &= "success".equals(f.end) && f.inOrder && f.last > lines;
              behind += f.behind;
              gzipped += f.gzipped ? 1 : 0;
              reconnections += f.connections - 1;
            }
            if (failed.get() != null) {
              System.out.println("followers failed: " + failed.get());
            }
            results.add(
                new Result(
                    side,
                    mode,
                    n,
                    runMillis,
                    cpu / 100.0,
                    cpuToEnd / 100.0,
                    clientCpu / 100.0,
                    list.wireBytes() / 1e6));
            System.out.printf(
                "%-7s %-16s %10d %32s %14.2f %16d %10.1f %s%n",
                side,
                n
                    + (n == 0
                        ? ""
                        : " " + mode + (mode.equals("gzip") && gzipped == 0 ? " (got plain)" : "")),
                runMillis,
                String.format("%.2f (sys %.2f) / %.2f", cpu / 100.0, sys / 100.0, cpuToEnd / 100.0),
                clientCpu / 100.0,
                peakRssMb(pid),
                list.wireBytes() / 1e6,
                n == 0
                    ? "-"
                    : (complete ? "yes" : "NO")
                        + " ("
                        + behind
                        + " times behind, "
                        + reconnections
                        + " reconnections)");
          }
        }
      }
    } finally {
      String extra = System.getenv("FOLLOWERS_SERVER_OPTIONS");
      if (extra != null && extra.contains("StartFlightRecording")) {
        // The servers are killed below: their recordings are written first.
        for (long pid : pids.values()) {
          new ProcessBuilder("jcmd", String.valueOf(pid), "JFR.stop", "name=1")
              .inheritIO()
              .start()
              .waitFor();
        }
      }
      for (KilledServerFixture server : servers.values()) {
        server.close();
      }
    }
    System.out.println();
    for (String side : sides) {
      for (String mode : modes) {
        if (side.equals("before") && mode.equals("gzip")) {
          continue;
        }
        double run0 = median(results, side, "-", Result::runMillis);
        double runN = median(results, side, mode, Result::runMillis);
        double cpu0 = median(results, side, "-", Result::serverCpu);
        double cpuN = median(results, side, mode, Result::serverCpu);
        double endN = median(results, side, mode, Result::serverCpuToEnd);
        // The server's CPU use while the run runs, in percent of one core: with followers less
        // without.
        double use0 = 100 * cpu0 / (run0 / 1000);
        double useN = 100 * cpuN / (runN / 1000);
        System.out.printf(
            "medians %s, %s: run %.0f ms -> %.0f ms with %d followers (%.2fx); server CPU %.2f s"
                + " -> %.2f s (+%.2f s, %+.0f%% of the run's own); server CPU use %.1f%% -> %.1f%%"
                + " of a core (%+.1f points); to the followers' end %.2f s (+%.2f s, %+.0f%%);"
                + " followers read %.1f MB%n",
            side,
            mode,
            run0,
            runN,
            followers,
            runN / run0,
            cpu0,
            cpuN,
            cpuN - cpu0,
            100 * (cpuN - cpu0) / cpu0,
            use0,
            useN,
            useN - use0,
            endN,
            endN - cpu0,
            100 * (endN - cpu0) / cpu0,
            median(results, side, mode, Result::readMb));
      }
    }
  }

  private static double median(
      List<Result> results,
      String side,
      String mode,
      java.util.function.ToDoubleFunction<Result> value) {
    double[] values =
        results.stream()
            .filter(r -> r.side().equals(side) && r.mode().equals(mode))
            .mapToDouble(value)
            .sorted()
            .toArray();
    if (values.length == 0) {
      return Double.NaN;
    }
    int mid = values.length / 2;
    return values.length % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
  }

  /** utime + stime of the process, in clock ticks (100 per second on Linux). */
  private static long cpuTicks(long pid) throws Exception {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"), StandardCharsets.UTF_8);
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
  }

  /** stime of the process (the kernel's work for it: sockets, files), in clock ticks. */
  private static long sysTicks(long pid) throws Exception {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"), StandardCharsets.UTF_8);
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(fields[12]);
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
