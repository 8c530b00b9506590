package io.gantry.cli;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What a phase of {@link AgentDispatchBench} costs, in measures a loaded machine does not skew: CPU
 * time (user + system) of the server's process (the bench's own JVM, whose client part only polls a
 * run's status) and of the agents' processes; SQL statements executed and file writes of the
 * embedded H2 database ({@code QUERY_STATISTICS}, {@code info.FILE_WRITE}); HTTP requests of the
 * agents by endpoint when a {@link HttpCounter} sits between them and the server.
 */
final class CpuAndSql {

  private final Connection h2;
  private final List<Process> agents;
  private final HttpCounter counter;
  private final long serverCpu;
  private final long agentsCpu;
  private final long fileWrites;
  private final Map<String, Long> requests;

  private CpuAndSql(Connection h2, List<Process> agents, HttpCounter counter) throws SQLException {
    this.h2 = h2;
    this.agents = agents;
    this.counter = counter;
    try (Statement s = h2.createStatement()) {
      s.execute("SET QUERY_STATISTICS_MAX_ENTRIES 500");
      s.execute("SET QUERY_STATISTICS FALSE");
      s.execute("SET QUERY_STATISTICS TRUE");
    }
    this.fileWrites = fileWrites(h2);
    this.serverCpu = serverCpu();
    this.agentsCpu = agentsCpu(agents);
    this.requests = counter == null ? Map.of() : counter.counts();
  }

  static CpuAndSql start(Path serverDataDir, List<Process> agents, HttpCounter counter)
      throws SQLException {
    // The same URL as the runner's EmbeddedDatabase: in this JVM, the server's open database.
    String url =
        "jdbc:h2:file:"
            + serverDataDir.toAbsolutePath().normalize().resolve("db/gantry")
            + ";AUTO_SERVER=TRUE;LOCK_TIMEOUT=10000;WRITE_DELAY=0";
    return new CpuAndSql(DriverManager.getConnection(url, "sa", ""), agents, counter);
  }

  void print(int jobs) throws SQLException {
    long server = serverCpu() - serverCpu;
    long agent = agentsCpu(agents) - agentsCpu;
    long writes = fileWrites(h2) - fileWrites;
    System.out.printf(
        "    CPU per job: server %.2f ms, agents %.2f ms (user+sys; server %d ms, agents %d ms in"
            + " all)%n",
        server / 1e6 / jobs, agent / 1e6 / jobs, server / 1_000_000, agent / 1_000_000);
    List<String[]> rows = new ArrayList<>();
    long statements = 0;
    try (Statement s = h2.createStatement();
        ResultSet r =
            s.executeQuery(
                "SELECT SQL_STATEMENT, EXECUTION_COUNT FROM INFORMATION_SCHEMA.QUERY_STATISTICS"
                    + " ORDER BY EXECUTION_COUNT DESC")) {
      while (r.next()) {
        String sql = r.getString(1);
        if (sql.contains("QUERY_STATISTICS") || sql.contains("INFORMATION_SCHEMA.SETTINGS")) {
          continue;
        }
        statements += r.getLong(2);
        rows.add(new String[] {Long.toString(r.getLong(2)), sql});
      }
      s.execute("SET QUERY_STATISTICS FALSE");
    }
    System.out.printf(
        "    SQL per job: %.1f statements, %.1f database file writes%n",
        statements / (double) jobs, writes / (double) jobs);
    int shown = System.getenv("BENCH_COUNT_HTTP") != null ? 40 : 12;
    for (String[] row : rows.subList(0, Math.min(shown, rows.size()))) {
      System.out.printf(
          "      %6.2f  %s%n",
          Long.parseLong(row[0]) / (double) jobs,
          row[1].length() > 110 ? row[1].substring(0, 110) + "…" : row[1]);
    }
    if (counter != null) {
      Map<String, Long> now = counter.counts();
      long all = 0;
      StringBuilder by = new StringBuilder();
      for (Map.Entry<String, Long> e : now.entrySet()) {
        long n = e.getValue() - requests.getOrDefault(e.getKey(), 0L);
        all += n;
        by.append(String.format("; %s %.2f", e.getKey(), n / (double) jobs));
      }
      System.out.printf(
          "    HTTP requests per job: %.2f%s (%d connections opened in all)%n",
          all / (double) jobs, by, counter.connections());
    }
    h2.close();
  }

  private static long fileWrites(Connection h2) throws SQLException {
    try (Statement s = h2.createStatement();
        ResultSet r =
            s.executeQuery(
                "SELECT SETTING_VALUE FROM INFORMATION_SCHEMA.SETTINGS"
                    + " WHERE SETTING_NAME = 'info.FILE_WRITE'")) {
      return r.next() ? Long.parseLong(r.getString(1)) : 0;
    }
  }

  private static long serverCpu() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  private static long agentsCpu(List<Process> agents) {
    long sum = 0;
    for (Process p : agents) {
      sum += p.info().totalCpuDuration().orElse(Duration.ZERO).toNanos();
    }
    return sum;
  }
}
