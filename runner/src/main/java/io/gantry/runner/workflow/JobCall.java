package io.gantry.runner.workflow;

import java.util.Map;

/**
 * A job that calls a reusable workflow ({@code jobs.<id>.uses}).
 *
 * @param uses {@code ./.github/workflows/x.yml} or {@code OWNER/REPO/.github/workflows/x.yml@REF}
 * @param with the inputs as templates, in file order
 * @param secrets the secrets passed by name as templates (empty with {@code secrets: inherit})
 * @param inheritSecrets {@code secrets: inherit}: the called workflow sees every secret
 */
public record JobCall(
    String uses,
    Map<String, String> with,
    Map<String, String> secrets,
    boolean inheritSecrets,
    Location location) {

  /** Whether {@code uses} names a workflow of the same repository. */
  public boolean local() {
    return uses.startsWith("./");
  }
}
