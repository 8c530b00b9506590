package io.gantry.runner.action.image;

/**
 * A username and password (or token) for one registry, and where it was found. Its {@code toString}
 * never shows the password.
 *
 * @param username the user name
 * @param password the password or token
 * @param source where it came from, for messages, e.g. {@code the username/password inputs}
 */
public record Credential(String username, String password, String source) {

  @Override
  public String toString() {
    return "Credential[username=" + username + ", password=****, source=" + source + "]";
  }
}
