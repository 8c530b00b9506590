package io.gantry.runner.action.image;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Where a build finds the credentials of a registry, in this order:
 *
 * <ol>
 *   <li>the logins registered earlier in the job for that host ({@code
 *       aws-actions/amazon-ecr-login});
 *   <li>the {@code username}/{@code password} inputs, for the registry of the target image;
 *   <li>the user's Docker {@code config.json} ({@code $DOCKER_CONFIG/config.json}, else {@code
 *       ~/.docker/config.json}): {@code credHelpers}, {@code credsStore}, {@code auths}.
 * </ol>
 *
 * <p>No credential is the answer when none is found: a registry that allows anonymous pulls needs
 * none. Every secret is handed to the mask before it is used, so it never reaches a log.
 */
public final class RegistryCredentials {

  private final Function<String, Optional<Credential>> jobLogins;
  private final String inputRegistry;
  private final Credential inputs;
  private final DockerConfig dockerConfig;
  private final Consumer<String> mask;

  /**
   * @param jobLogins the job's registered logins, by registry host
   * @param targetRepository the repository pushed to; the {@code username}/{@code password} inputs
   *     are for its registry
   * @param username the {@code username} input, or empty
   * @param password the {@code password} input, or empty
   * @param env the step's environment ({@code DOCKER_CONFIG}, {@code HOME}, {@code PATH} for
   *     credential helpers)
   * @param mask receives every secret before it is used
   * @throws ImageException when only one of username and password is given
   */
  public RegistryCredentials(
      Function<String, Optional<Credential>> jobLogins,
      String targetRepository,
      String username,
      String password,
      Map<String, String> env,
      Consumer<String> mask)
      throws ImageException {
    this.jobLogins = jobLogins;
    this.inputRegistry =
        Registries.isValidReference(targetRepository)
            ? Registries.registryOf(targetRepository)
            : "";
    this.mask = mask;
    if (!password.isEmpty()) {
      mask.accept(password);
    }
    if (username.isEmpty() != password.isEmpty()) {
      throw new ImageException(
          "input '"
              + (username.isEmpty() ? "username" : "password")
              + "' is missing: give both username and password, or neither");
    }
    this.inputs =
        username.isEmpty()
            ? null
            : new Credential(username, password, "the username/password inputs");
    this.dockerConfig = new DockerConfig(DockerConfig.locate(env), env);
  }

  /** The credential for a registry host ({@code host[:port]}), if any source has one. */
  public Optional<Credential> find(String registry) throws ImageException {
    Optional<Credential> login = jobLogins.apply(registry);
    if (login.isPresent()) {
      mask.accept(login.get().password());
      return login;
    }
    if (inputs != null && registry.equalsIgnoreCase(inputRegistry)) {
      return Optional.of(inputs);
    }
    return dockerConfig.find(registry, mask);
  }

  /** The sources {@link #find} looks at for a registry, for an error message. */
  public String lookedIn(String registry) {
    Path file = dockerConfig.file();
    return "the amazon-ecr-login logins of this job, "
        + (registry.equalsIgnoreCase(inputRegistry)
            ? "the username/password inputs" + (inputs == null ? " (not given)" : "")
            : "the username/password inputs (only for " + inputRegistry + ")")
        + ", "
        + file
        + (Files.isRegularFile(file) ? "" : " (absent)");
  }
}
