package io.gantry.runner.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gantry.runner.testing.TestPostgres;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Opening a PostgreSQL store that is not there yet is waited for ({@code DatabaseOutageTest} in
 * webhook-server shows it with a real server stopped and started); one that refuses the login is
 * not.
 */
class PostgresOpeningTest {

  @TempDir Path dataDir;

  @Test
  void aWrongPasswordFailsAtOnceInOneLineWithoutWaiting() {
    TestPostgres server = TestPostgres.shared();
    String url = server.url(server.newDatabase());
    List<String> waited = new ArrayList<>();

    assertThatThrownBy(
            () ->
                Stores.open(dataDir, DatabaseSettings.of(url, server.user(), "wrong"), waited::add))
        .isInstanceOfSatisfying(
            StoreException.class,
            e -> {
              assertThat(e.unreachable()).isFalse();
              assertThat(e.getMessage())
                  .startsWith("Cannot open the run store at " + url + " as gantry: ")
                  .contains("password authentication failed")
                  .doesNotContain("wrong")
                  .doesNotContain("\n");
            });
    assertThat(waited).isEmpty();
  }

  @Test
  void aServerThatRefusesConnectionsIsCalledUnreachableNamingHostAndPort() throws Exception {
    int port;
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    DatabaseSettings nowhere =
        DatabaseSettings.of("postgresql://127.0.0.1:" + port + "/gantry", "gantry", "x");

    assertThatThrownBy(() -> Stores.openPostgres(nowhere))
        .isInstanceOfSatisfying(
            StoreException.class,
            e -> {
              assertThat(e.unreachable()).isTrue();
              assertThat(e.getMessage())
                  .startsWith("PostgreSQL at 127.0.0.1:" + port + " cannot be reached: ")
                  .contains("refused");
            });
  }
}
