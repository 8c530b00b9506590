package io.gantry.server.config;

import io.gantry.runner.execution.Isolation;
import io.gantry.server.config.ServerConfig.Credentials;
import io.gantry.server.config.ServerConfig.Repository;
import io.gantry.server.config.ServerConfig.Secret;
import io.gantry.server.config.ServerConfig.Status;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One entry of {@code gantry.yml}'s {@code repositories:}: name, forge, clone URL, webhook secret,
 * credentials, commit-status reporting, secrets and variables, where its jobs run ({@link
 * RunnerSection}), each wrong value one line naming the key.
 */
final class RepositorySection {

  private static final Set<String> FORGES = Set.of("github", "gitea", "gitlab", "git");
  private static final List<String> REPOSITORY =
      List.of(
          "name",
          "forge",
          "clone-url",
          "webhook-secret",
          "credentials",
          "status",
          "secrets",
          "vars",
          "runner");
  private static final List<String> CREDENTIALS = List.of("username", "password", "ssh-key");
  private static final List<String> STATUS = List.of("api-url", "token", "forge", "per-job");

  private RepositorySection() {}

  /**
   * @param isolation the top-level {@code runner:}'s, for a repository without its own
   */
  static Repository read(ConfigLoader c, Object node, String where, Isolation isolation)
      throws ConfigException {
    String file = c.file();
    Map<String, Object> r = c.map(node, where, REPOSITORY);
    String name = c.string(r, "name", where, null);
    if (name == null || !name.matches("[^/\\s]+(/[^/\\s]+)+")) {
      throw new ConfigException(
          file
              + ": "
              + where
              + ".name must be owner/name as the forge knows it, got "
              + (name == null ? "nothing" : "'" + name + "'"));
    }
    String forge = c.string(r, "forge", where, "github");
    if (!FORGES.contains(forge)) {
      throw new ConfigException(
          file
              + ": "
              + where
              + ".forge must be one of github, gitea, gitlab, git; got '"
              + forge
              + "'");
    }
    String cloneUrl = c.string(r, "clone-url", where, null);
    if (cloneUrl == null || cloneUrl.isBlank()) {
      throw new ConfigException(
          file + ": " + where + ".clone-url is required (https://…, ssh://… or file:///…)");
    }
    String secret = c.string(r, "webhook-secret", where, null);
    if (secret == null || secret.isBlank()) {
      throw new ConfigException(
          file
              + ": "
              + where
              + ".webhook-secret is required: webhooks are verified before"
              + " anything else; set it to ${A_VARIABLE} holding the secret the forge signs with");
    }
    Credentials credentials = null;
    if (r.containsKey("credentials")) {
      Map<String, Object> cr = c.map(r.get("credentials"), where + ".credentials", CREDENTIALS);
      String password = c.string(cr, "password", where + ".credentials", null);
      String key = c.string(cr, "ssh-key", where + ".credentials", null);
      credentials =
          new Credentials(
              c.string(cr, "username", where + ".credentials", null),
              password == null ? null : new Secret(password),
              key == null ? null : Path.of(key));
    }
    Status status = null;
    if (r.containsKey("status")) {
      Map<String, Object> s = c.map(r.get("status"), where + ".status", STATUS);
      String apiUrl = c.string(s, "api-url", where + ".status", null);
      String statusToken = c.string(s, "token", where + ".status", null);
      if (apiUrl == null || statusToken == null || statusToken.isBlank()) {
        throw new ConfigException(
            file + ": " + where + ".status needs api-url and token (or leave status out)");
      }
      c.url(apiUrl, where + ".status.api-url");
      String statusForge =
          c.string(s, "forge", where + ".status", forge.equals("git") ? null : forge);
      if (statusForge == null || !List.of("github", "gitea", "gitlab").contains(statusForge)) {
        throw new ConfigException(
            file
                + ": "
                + where
                + ".status.forge must be github, gitea or gitlab (the API the"
                + " status endpoint speaks; a bare git repository has none of its own)");
      }
      Object perJob = s.getOrDefault("per-job", Boolean.FALSE);
      if (!(perJob instanceof Boolean)) {
        throw new ConfigException(
            file + ": " + where + ".status.per-job must be true or false, got '" + perJob + "'");
      }
      status = new Status(apiUrl, new Secret(statusToken), statusForge, (Boolean) perJob);
    }
    Map<String, Secret> secrets = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : c.strings(r, "secrets", where).entrySet()) {
      secrets.put(e.getKey(), new Secret(e.getValue()));
    }
    return new Repository(
        name,
        forge,
        cloneUrl,
        new Secret(secret),
        credentials,
        status,
        secrets,
        c.strings(r, "vars", where),
        RunnerSection.read(c, r.get("runner"), where + ".runner", isolation));
  }
}
