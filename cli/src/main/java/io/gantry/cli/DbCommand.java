package io.gantry.cli;

import io.gantry.runner.store.DatabaseSettings;
import io.gantry.runner.store.StoreCopy;
import io.gantry.runner.store.StoreException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code gantry db migrate} and {@code gantry db copy}: bring a store's schema up to date, and move
 * an embedded installation to a shared PostgreSQL database without losing a run. The password is
 * never an argument (it would show in the process list): {@code $GANTRY_DB_PASSWORD} or a file.
 */
@Command(
    name = "db",
    mixinStandardHelpOptions = true,
    description = "Migrate a run store, or copy the embedded one into PostgreSQL.",
    subcommands = {DbCommand.Migrate.class, DbCommand.Copy.class})
final class DbCommand {

  /** The PostgreSQL login options both subcommands take. */
  static class Login {
    @Option(
        names = "--user",
        paramLabel = "USER",
        description = "PostgreSQL user (default: $GANTRY_DB_USER).")
    String user;

    @Option(
        names = "--password-file",
        paramLabel = "FILE",
        description = "A file holding the password (default: $GANTRY_DB_PASSWORD).")
    Path passwordFile;

    DatabaseSettings settings(String url) throws IOException {
      String name = user != null ? user : System.getenv("GANTRY_DB_USER");
      String password = System.getenv("GANTRY_DB_PASSWORD");
      if (passwordFile != null) {
        password = Files.readString(passwordFile, StandardCharsets.UTF_8).strip();
      }
      return DatabaseSettings.of(url, name, password);
    }
  }

  @Command(
      name = "migrate",
      mixinStandardHelpOptions = true,
      description =
          "Bring a store's schema up to date (servers do it when they start; this does it"
              + " beforehand): the embedded store of --data-dir, or --database.")
  static final class Migrate extends Login implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(
        names = "--database",
        paramLabel = "URL",
        description = "postgresql://HOST[:PORT]/DATABASE[?OPTIONS]")
    String database;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "The embedded store's folder.")
    Path dataDir;

    @Override
    public Integer call() {
      Path data = dataDir != null ? dataDir : Settings.defaultDataDir();
      try {
        DatabaseSettings settings = database == null ? null : settings(database);
        StoreCopy.migrate(data, settings);
        spec.commandLine()
            .getOut()
            .println("migrated " + (settings == null ? data.toString() : settings.url()));
        return Gantry.OK;
      } catch (StoreException | IllegalArgumentException | IOException e) {
        spec.commandLine().getErr().println("gantry db migrate: " + e.getMessage());
        return Gantry.BAD_INPUT;
      }
    }
  }

  @Command(
      name = "copy",
      mixinStandardHelpOptions = true,
      description =
          "Copy every run, job, step, delivery, status, deployment and schedule tick of an"
              + " embedded store into a new, empty PostgreSQL database, ids kept, in one"
              + " transaction. Stop the servers using the embedded store first.")
  static final class Copy extends Login implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(
        names = "--from",
        required = true,
        paramLabel = "h2:DIR",
        description = "The embedded store: h2: and its data folder.")
    String from;

    @Option(
        names = "--to",
        required = true,
        paramLabel = "URL",
        description = "postgresql://HOST[:PORT]/DATABASE[?OPTIONS]")
    String to;

    @Override
    public Integer call() {
      if (!from.startsWith("h2:") || from.length() == 3) {
        spec.commandLine()
            .getErr()
            .println(
                "gantry db copy: --from must be h2:DIR, the data folder of the embedded store"
                    + " (got '"
                    + from
                    + "')");
        return Gantry.BAD_INPUT;
      }
      Path data = Path.of(from.substring(3));
      if (!Files.isDirectory(data.resolve("db"))) {
        spec.commandLine()
            .getErr()
            .println("gantry db copy: " + data + " holds no embedded store (no db/ folder in it)");
        return Gantry.BAD_INPUT;
      }
      try {
        Map<String, Long> copied = StoreCopy.embeddedToPostgres(data, settings(to));
        copied.forEach((table, rows) -> spec.commandLine().getOut().println(table + ": " + rows));
        return Gantry.OK;
      } catch (StoreException | IllegalArgumentException | IOException e) {
        spec.commandLine().getErr().println("gantry db copy: " + e.getMessage());
        return Gantry.BAD_INPUT;
      }
    }
  }
}
