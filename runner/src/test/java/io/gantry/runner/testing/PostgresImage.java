package io.gantry.runner.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A PostgreSQL service image made without any registry from Debian's installed PostgreSQL 15: its
 * server, {@code initdb}, {@code psql} and {@code pg_isready}, the libraries {@code ldd} lists for
 * them, the share and time-zone files, and a static busybox for the shell; imported into Podman's
 * storage as {@link #NAME}. Run as user 999 ({@code options: --user 999}) it creates a throw-away
 * cluster (user {@code postgres}, trust authentication from any address) and serves it on 5432; as
 * root it is a job image with {@code psql}.
 */
public final class PostgresImage {

  public static final String NAME = "localhost/gantry-test/postgres:15";
  static final String PG = "/usr/lib/postgresql/15";

  private static final String BUILD =
      """
      set -e
      R="$1"; BUSYBOX="$2"; P=%s
      mkdir -p "$R/bin" "$R/tmp" "$R/etc" "$R$P/bin" "$R/usr/share/postgresql"
      chmod 1777 "$R/tmp"
      cp "$BUSYBOX" "$R/bin/busybox"
      for a in $("$BUSYBOX" --list); do [ "$a" = busybox ] || ln -s busybox "$R/bin/$a"; done
      for b in postgres initdb pg_isready psql pg_ctl; do cp "$P/bin/$b" "$R$P/bin/"; done
      cp -a "$P/lib" "$R$P/"
      rm -rf "$R$P/lib/bitcode"
      cp -a /usr/share/postgresql/15 "$R/usr/share/postgresql/"
      cp -a /usr/share/zoneinfo "$R/usr/share/"
      for f in "$R$P"/bin/* "$R$P"/lib/*.so; do
        ldd "$f" 2>/dev/null | grep -o '/[^ ]*' || true
      done | sort -u | while read -r lib; do cp -L --parents "$lib" "$R/"; done
      printf 'root:x:0:0:root:/root:/bin/sh\\npostgres:x:999:999:postgres:/tmp:/bin/sh\\n' > "$R/etc/passwd"
      printf 'root:x:0:\\npostgres:x:999:\\n' > "$R/etc/group"
      cat > "$R/bin/start-postgres" <<'END'
      #!/bin/sh
      set -e
      initdb -D /tmp/pgdata -U postgres --auth=trust --no-locale -E UTF8 > /tmp/initdb.log 2>&1 \\
        || { cat /tmp/initdb.log; exit 1; }
      echo 'host all all 0.0.0.0/0 trust' >> /tmp/pgdata/pg_hba.conf
      exec postgres -D /tmp/pgdata -c listen_addresses='*' -k /tmp
      END
      chmod 755 "$R/bin/start-postgres"
      tar -C "$R" -cf "$R.tar" .
      """
          .formatted(PG);

  private PostgresImage() {}

  /** Imports the image when Podman does not have it yet; returns its name. */
  public static synchronized String ensure(Podman podman) throws Exception {
    if (podman.run("image", "exists", NAME).exit() == 0) {
      return NAME;
    }
    Tools.require("busybox");
    if (!Files.isExecutable(Path.of(PG, "bin", "postgres"))) {
      throw new IllegalStateException(
          PG + "/bin/postgres is missing: install Debian's postgresql (scripts/setup does)");
    }
    Path dir = Files.createTempDirectory("gantry-postgres-image");
    try {
      Path root = dir.resolve("root");
      Process build =
          new ProcessBuilder(
                  "sh", "-c", BUILD, "build", root.toString(), Tools.find("busybox").toString())
              .redirectErrorStream(true)
              .start();
      String out =
          new String(
              build.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      if (build.waitFor() != 0) {
        throw new IllegalStateException("building the PostgreSQL image failed: " + out);
      }
      podman
          .run(
              "import",
              "-q",
              "--change",
              "ENV=PATH=" + PG + "/bin:/bin",
              "--change",
              "CMD=[\"/bin/start-postgres\"]",
              dir.resolve("root.tar").toString(),
              NAME)
          .orThrow();
      return NAME;
    } finally {
      try (Stream<Path> tree = Files.walk(dir)) {
        for (Path p : tree.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      } catch (IOException e) {
        // a temporary folder
      }
    }
  }
}
