package io.gantry.runner.action.builtin;

import io.gantry.runner.action.Action;
import io.gantry.runner.action.ActionContext;
import io.gantry.runner.action.ActionResult;
import io.gantry.runner.action.RegistryLogins;
import io.gantry.runner.action.image.BuiltImage;
import io.gantry.runner.action.image.Credential;
import io.gantry.runner.action.image.ImageBuilder;
import io.gantry.runner.action.image.ImageException;
import io.gantry.runner.action.image.ImageInputs;
import io.gantry.runner.action.image.ImageRequest;
import io.gantry.runner.action.image.RegistryCredentials;
import java.util.Map;
import java.util.Set;

/**
 * {@code gantry/build-image}: builds a container image without a Docker engine (Jib core) and
 * pushes it to a registry, layer by layer. {@code type: java} lays a Java application out as the
 * Jib Maven plugin does; {@code type: files} puts file layers on any base. Outputs {@code image}
 * ({@code repository:tag}), {@code digest} and {@code image-ref} ({@code repository@sha256:…}).
 * Credentials come from the job's registry logins, then the {@code username}/{@code password}
 * inputs, then the Docker {@code config.json} ({@link RegistryCredentials}). The layer cache is the
 * data directory's {@code cache/jib}, shared by all runs.
 */
final class BuildImageAction implements Action {

  private final ImageBuilder.Options options;

  BuildImageAction() {
    this(ImageBuilder.Options.defaults());
  }

  /** With other retry and loopback rules, for tests. */
  BuildImageAction(ImageBuilder.Options options) {
    this.options = options;
  }

  @Override
  public String name() {
    return "gantry/build-image";
  }

  @Override
  public Set<String> versions() {
    return Set.of("v1");
  }

  @Override
  public Map<String, String> inputs() {
    return ImageInputs.DECLARED;
  }

  @Override
  public Set<String> requiredInputs() {
    return Set.of("image", "type");
  }

  @Override
  public ActionResult run(ActionContext context) throws InterruptedException {
    // Before anything can fail or log: the password input is a secret even when not in secrets.
    String password = context.input("password");
    if (!password.isEmpty()) {
      context.addMask(password);
    }
    try {
      ImageRequest request =
          ImageInputs.parse(
              context.inputs(), context.workspace(), context.sha() == null ? "" : context.sha());
      RegistryLogins logins = context.registryLogins();
      RegistryCredentials credentials =
          new RegistryCredentials(
              host ->
                  logins
                      .find(host)
                      .map(
                          l ->
                              new Credential(
                                  l.username(),
                                  l.password(),
                                  "the amazon-ecr-login login of this job")),
              request.repository(),
              context.input("username"),
              password,
              context.env(),
              context::addMask);
      BuiltImage built =
          new ImageBuilder(
                  context.cacheDirectory("jib"),
                  context::log,
                  context.env(),
                  context::cancelled,
                  options)
              .build(request, credentials);
      context.setOutput("image", built.image());
      context.setOutput("digest", built.digest());
      context.setOutput("image-ref", built.imageRef());
      return ActionResult.ok();
    } catch (ImageException e) {
      return ActionResult.failure(name() + ": " + e.getMessage());
    }
  }
}
