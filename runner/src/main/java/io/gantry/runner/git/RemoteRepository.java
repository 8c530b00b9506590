package io.gantry.runner.git;

import java.nio.file.Path;

/**
 * A repository Gantry clones from a forge.
 *
 * @param name {@code owner/name} as the forge knows it
 * @param cloneUrl {@code https://…}, {@code ssh://…} or {@code file:///…}
 * @param username for HTTPS, or null
 * @param password for HTTPS (a token), or null; never printed
 * @param sshKey a private key file for SSH, or null
 */
public record RemoteRepository(
    String name, String cloneUrl, String username, String password, Path sshKey) {

  @Override
  public String toString() {
    // A credential type never prints its secret.
    return "RemoteRepository["
        + name
        + ", "
        + cloneUrl
        + (password != null ? ", password=***" : "")
        + "]";
  }
}
