package io.gantry.cli;

import io.gantry.runner.cache.CacheEntry;
import io.gantry.runner.cache.CacheStore;
import io.gantry.server.actions.CacheLock;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code gantry caches [--repo R]} lists the entries of the cache service (what {@code
 * actions/cache} and the setup actions saved); {@code gantry caches delete (ID | --repo R --key K)}
 * removes them. Through the server with {@code --server} or {@code GANTRY_SERVER} (deleting needs
 * {@code GANTRY_API_TOKEN}), else on the local data directory ({@code gantry run}'s caches), which
 * only one Gantry process may hold at a time.
 */
@Command(
    name = "caches",
    mixinStandardHelpOptions = true,
    description = "Lists the cache entries actions/cache saved, or deletes some.",
    subcommands = CachesCommand.Delete.class)
final class CachesCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Mixin Where where;

  @Option(names = "--repo", paramLabel = "OWNER/NAME", description = "Only this repository's.")
  String repo;

  @Option(names = "--key", paramLabel = "K", description = "Only the entries of this key.")
  String key;

  /** One entry as listed. */
  record Row(
      long id,
      String repository,
      String key,
      String version,
      String scope,
      long size,
      String lastUsed) {}

  /** Where the entries are: the server's API or the local store. */
  private interface Entries extends AutoCloseable {
    List<Row> list(String repo) throws Failure;

    /** False when there is no such entry. */
    boolean delete(long id) throws Failure;

    @Override
    void close();
  }

  /** A one-line failure of the server or the store. */
  static final class Failure extends Exception {
    private static final long serialVersionUID = 1L;

    Failure(String message) {
      super(message);
    }
  }

  /** Where to look, shared by the list and {@code delete}. */
  static final class Where {
    @Option(
        names = "--data-dir",
        paramLabel = "DIR",
        description = "The data directory (default: $GANTRY_DATA_DIR).")
    Path dataDir;

    @Option(
        names = "--server",
        paramLabel = "URL",
        description = "Ask this Gantry server (default: $GANTRY_SERVER; without either, local).")
    String server;

    @Option(
        names = "--local",
        description = "Work on the local data directory even if $GANTRY_SERVER is set.")
    boolean local;

    /** The entries, or a one-line misuse as the failure. */
    private Entries open() throws Failure {
      String url = server != null ? server : System.getenv(ApiClient.SERVER);
      if (local && server != null) {
        throw new Failure("--local and --server exclude each other; give one");
      }
      if (!local && url != null && !url.isBlank()) {
        if (dataDir != null) {
          throw new Failure(
              "--data-dir applies to the local mode, but this asks the server "
                  + url
                  + "; add --local to work locally");
        }
        return remote(new ApiClient(url, System.getenv(ApiClient.TOKEN)));
      }
      return local(dataDir != null ? dataDir : Settings.defaultDataDir());
    }
  }

  @Override
  public Integer call() {
    return runOn(
        spec,
        where,
        entries -> {
          List<Row> rows = new ArrayList<>();
          for (Row row : entries.list(repo)) {
            if (key == null || row.key().equals(key)) {
              rows.add(row);
            }
          }
          print(spec.commandLine().getOut(), rows, repo);
          return Gantry.OK;
        });
  }

  /** {@code gantry caches delete}. */
  @Command(
      name = "delete",
      mixinStandardHelpOptions = true,
      description = "Deletes one cache entry by its id, or every entry of a key in a repository.")
  static final class Delete implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Mixin Where where;

    @Parameters(index = "0", arity = "0..1", paramLabel = "ID", description = "The entry's id.")
    Long id;

    @Option(names = "--repo", paramLabel = "OWNER/NAME", description = "The key's repository.")
    String repo;

    @Option(names = "--key", paramLabel = "K", description = "Delete the entries of this key.")
    String key;

    @Override
    public Integer call() {
      PrintWriter err = spec.commandLine().getErr();
      if (id != null && (repo != null || key != null)) {
        err.println("gantry caches delete: give an ID or --repo R --key K, not both");
        return Gantry.BAD_INPUT;
      }
      if (id == null && (repo == null || key == null)) {
        err.println(
            "gantry caches delete: name the entry: an ID (see 'gantry caches') or --repo R --key K");
        return Gantry.BAD_INPUT;
      }
      PrintWriter out = spec.commandLine().getOut();
      return runOn(
          spec,
          where,
          entries -> {
            if (id != null) {
              if (!entries.delete(id)) {
                throw new Failure("no cache entry " + id);
              }
              out.println("deleted cache entry " + id);
              return Gantry.OK;
            }
            List<Row> matching =
                entries.list(repo).stream().filter(r -> r.key().equals(key)).toList();
            if (matching.isEmpty()) {
              throw new Failure("no cache entry of " + repo + " has the key '" + key + "'");
            }
            for (Row row : matching) {
              if (entries.delete(row.id())) {
                out.println(
                    "deleted cache entry "
                        + row.id()
                        + " ("
                        + row.key()
                        + ", "
                        + row.scope()
                        + ")");
              }
            }
            return Gantry.OK;
          });
    }
  }

  /** What a command does with the entries. */
  private interface Action {
    int apply(Entries entries) throws Failure;
  }

  private static int runOn(CommandSpec spec, Where where, Action action) {
    String name = spec.qualifiedName(" ");
    try (Entries entries = where.open()) {
      return action.apply(entries);
    } catch (Failure e) {
      spec.commandLine().getErr().println(name + ": " + e.getMessage());
      return e.getMessage().startsWith("--") ? Gantry.BAD_INPUT : Gantry.RUN_FAILED;
    }
  }

  private static Entries remote(ApiClient client) {
    return new Entries() {
      @Override
      public List<Row> list(String repo) throws Failure {
        String path = "/api/caches" + (repo == null ? "" : "?repo=" + ClientCommands.encode(repo));
        try {
          Map<?, ?> answer = (Map<?, ?>) client.get(path);
          List<Row> rows = new ArrayList<>();
          for (Object item : (List<?>) answer.get("caches")) {
            Map<?, ?> c = (Map<?, ?>) item;
            rows.add(
                new Row(
                    ((Number) c.get("id")).longValue(),
                    String.valueOf(c.get("repository")),
                    String.valueOf(c.get("key")),
                    String.valueOf(c.get("version")),
                    String.valueOf(c.get("scope")),
                    ((Number) c.get("sizeBytes")).longValue(),
                    String.valueOf(c.get("lastUsedAt"))));
          }
          return rows;
        } catch (ApiClient.ClientException e) {
          throw new Failure(e.getMessage());
        }
      }

      @Override
      public boolean delete(long id) throws Failure {
        try {
          client.delete("/api/caches/" + id);
          return true;
        } catch (ApiClient.ClientException e) {
          if (e.getMessage().startsWith("the server answered 404")) {
            return false;
          }
          throw new Failure(e.getMessage());
        }
      }

      @Override
      public void close() {}
    };
  }

  private static Entries local(Path data) throws Failure {
    Path dir = data.resolve("caches");
    if (!Files.isDirectory(dir)) {
      return empty();
    }
    CacheLock lock;
    CacheStore store;
    try {
      lock = CacheLock.take(dir);
      if (lock == null) {
        throw new Failure(
            "another Gantry process (gantry serve, or a gantry run in progress) holds the cache"
                + " store of "
                + data
                + "; ask the server with --server URL, or try again when the run has ended");
      }
      try {
        store = CacheStore.open(dir, CacheStore.DEFAULT_MAX_BYTES);
      } catch (IOException | RuntimeException e) {
        lock.close();
        throw new Failure("cannot read the cache store of " + data + ": " + e.getMessage());
      }
    } catch (IOException e) {
      throw new Failure("cannot lock the cache store of " + data + ": " + e.getMessage());
    }
    return new Entries() {
      @Override
      public List<Row> list(String repo) {
        return store.list(repo).stream().map(CachesCommand::row).toList();
      }

      @Override
      public boolean delete(long id) throws Failure {
        try {
          return store.delete(id);
        } catch (IOException e) {
          throw new Failure("cannot delete cache entry " + id + ": " + e.getMessage());
        }
      }

      @Override
      public void close() {
        lock.close();
      }
    };
  }

  private static Entries empty() {
    return new Entries() {
      @Override
      public List<Row> list(String repo) {
        return List.of();
      }

      @Override
      public boolean delete(long id) {
        return false;
      }

      @Override
      public void close() {}
    };
  }

  private static Row row(CacheEntry e) {
    return new Row(
        e.id(), e.repository(), e.key(), e.version(), e.scope(), e.size(), e.lastUsed().toString());
  }

  static void print(PrintWriter out, List<Row> rows, String repo) {
    if (rows.isEmpty()) {
      out.println(repo == null ? "no cache entries" : repo + " has no cache entries");
      return;
    }
    Function<Function<Row, String>, Integer> width =
        column -> rows.stream().mapToInt(r -> column.apply(r).length()).max().orElse(0);
    int repoWidth = Math.max(10, width.apply(Row::repository));
    int keyWidth = Math.max(3, width.apply(Row::key));
    int scopeWidth = Math.max(5, width.apply(Row::scope));
    String format =
        "%-6s  %-" + repoWidth + "s  %-" + keyWidth + "s  %-12s  %-" + scopeWidth + "s  %12s  %s";
    out.println(
        String.format(format, "ID", "REPOSITORY", "KEY", "VERSION", "SCOPE", "BYTES", "LAST USED"));
    for (Row r : rows) {
      String used = r.lastUsed();
      int dot = used.indexOf('.');
      out.println(
          String.format(
              format,
              r.id(),
              r.repository(),
              r.key(),
              r.version().length() > 12 ? r.version().substring(0, 12) : r.version(),
              r.scope(),
              r.size(),
              dot > 0 ? used.substring(0, dot) + "Z" : used));
    }
  }
}
