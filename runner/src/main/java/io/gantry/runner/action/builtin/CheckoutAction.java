package io.gantry.runner.action.builtin;

import io.gantry.runner.action.Action;
import io.gantry.runner.action.ActionContext;
import io.gantry.runner.action.ActionResult;
import io.gantry.runner.git.GitException;
import io.gantry.runner.git.Mirrors;
import io.gantry.runner.git.RemoteRepository;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * {@code actions/checkout}. For a run of a forge's repository it checks out the run's exact commit
 * (or the {@code ref} input) from the repository's cached mirror into the workspace, or into {@code
 * path} below it. For a run of a local directory it copies that directory's working tree (including
 * {@code .git}, so git commands work); when the workspace is the source folder itself ({@code
 * gantry run --bind}) there is nothing to copy.
 */
final class CheckoutAction implements Action {

  /** Gantry's own data folder, when it sits inside the source tree, is never copied. */
  private static final Set<String> SKIPPED = Set.of(".gantry");

  /** Inputs of the original that only make sense when cloning from a forge. */
  private static final List<String> REMOTE_ONLY =
      List.of("repository", "ref", "token", "ssh-key", "fetch-depth", "submodules", "lfs");

  /** Null when this Gantry clones nothing (local runs only). */
  private final Mirrors mirrors;

  CheckoutAction() {
    this(null);
  }

  CheckoutAction(Mirrors mirrors) {
    this.mirrors = mirrors;
  }

  @Override
  public String name() {
    return "actions/checkout";
  }

  @Override
  public Set<String> versions() {
    return Set.of("v1", "v2", "v3", "v4", "v5", "v6");
  }

  @Override
  public Map<String, String> inputs() {
    Map<String, String> inputs = new LinkedHashMap<>();
    inputs.put("repository", null);
    inputs.put("ref", null);
    inputs.put("token", null);
    inputs.put("ssh-key", null);
    inputs.put("persist-credentials", "true");
    inputs.put("path", "");
    inputs.put("clean", "true");
    inputs.put("fetch-depth", "1");
    inputs.put("fetch-tags", "false");
    inputs.put("lfs", "false");
    inputs.put("submodules", "false");
    inputs.put("sparse-checkout", null);
    inputs.put("sparse-checkout-cone-mode", "true");
    inputs.put("filter", null);
    inputs.put("show-progress", "true");
    inputs.put("github-server-url", null);
    inputs.put("set-safe-directory", "true");
    return inputs;
  }

  @Override
  public Set<String> requiredInputs() {
    return Set.of();
  }

  /**
   * Newer inputs of v4–v6 that Gantry's checkout does not apply, each with what happens instead;
   * reported when given a value other than the default, never silently dropped. ({@code
   * persist-credentials} needs no note: Gantry never writes credentials into the checkout's {@code
   * .git/config}, which is what {@code false} asks, and later git commands of the job that need
   * them get none.)
   */
  private static final Map<String, String> NOT_APPLIED =
      Map.of(
          "sparse-checkout",
          "the whole tree is checked out",
          "sparse-checkout-cone-mode",
          "the whole tree is checked out",
          "filter",
          "no partial-clone filter is used; the commits are fetched whole",
          "fetch-tags",
          "tags are not fetched into the checkout",
          "github-server-url",
          "the repository's configured clone URL is used");

  private void reportIgnored(ActionContext context) {
    for (String input : new java.util.TreeSet<>(NOT_APPLIED.keySet())) {
      String value = context.inputs().get(input);
      String fallback = inputs().get(input);
      if (value != null && !value.isEmpty() && !value.equals(fallback == null ? "" : fallback)) {
        context.log("Notice: '" + input + "' is ignored: " + NOT_APPLIED.get(input));
      }
    }
  }

  @Override
  public ActionResult run(ActionContext context) throws IOException {
    reportIgnored(context);
    if (context.remote() != null) {
      return runRemote(context, context.remote());
    }
    Path source = context.sourceDirectory();
    if (source == null) {
      return ActionResult.failure(
          "actions/checkout: this run has no source directory to check out");
    }
    Path workspace = context.workspace().toAbsolutePath().normalize();
    Path target = workspace.resolve(context.input("path")).normalize();
    if (!target.startsWith(workspace)) {
      return ActionResult.failure(
          "actions/checkout: 'path' must stay inside the workspace, got '"
              + context.input("path")
              + "'");
    }
    for (String input : REMOTE_ONLY) {
      String value = context.inputs().get(input);
      if (value != null && !value.isEmpty() && !value.equals(inputs().get(input))) {
        context.log(
            "Notice: '" + input + "' is ignored when checking out the local directory " + source);
      }
    }
    source = source.toAbsolutePath().normalize();
    // isSameFile throws for a target not created yet (a new 'path').
    if (Files.exists(target) && Files.isSameFile(source, target)) {
      context.log("Using the working tree of " + source + " in place");
      return ActionResult.ok();
    }
    if (Boolean.parseBoolean(context.input("clean")) && Files.isDirectory(target)) {
      clean(target);
    }
    Files.createDirectories(target);
    long[] counted = new long[2];
    copyTree(source, target, counted);
    context.log(
        "Checked out "
            + source
            + " into "
            + target
            + " ("
            + counted[0]
            + " files, "
            + counted[1]
            + " bytes)");
    return ActionResult.ok();
  }

  private ActionResult runRemote(ActionContext context, RemoteRepository run) {
    if (mirrors == null) {
      return ActionResult.failure(
          "actions/checkout: cannot clone "
              + run.name()
              + ": this Gantry has no mirror cache configured");
    }
    String repository = context.input("repository");
    if (!repository.isEmpty() && !repository.equalsIgnoreCase(run.name())) {
      return ActionResult.failure(
          "actions/checkout: checking out another repository ('"
              + repository
              + "') is not supported; only the run's repository "
              + run.name()
              + " can be checked out, so remove 'repository'");
    }
    Path workspace = context.workspace().toAbsolutePath().normalize();
    Path target = workspace.resolve(context.input("path")).normalize();
    if (!target.startsWith(workspace)) {
      return ActionResult.failure(
          "actions/checkout: 'path' must stay inside the workspace, got '"
              + context.input("path")
              + "'");
    }
    String depthInput = context.input("fetch-depth").trim();
    int depth;
    try {
      depth = depthInput.isEmpty() ? 1 : Integer.parseInt(depthInput);
    } catch (NumberFormatException e) {
      depth = -1;
    }
    if (depth < 0) {
      return ActionResult.failure(
          "actions/checkout: 'fetch-depth' must be a whole number (0 for all history), got '"
              + depthInput
              + "'");
    }
    if (!context.input("ssh-key").isEmpty()) {
      context.log(
          "Notice: 'ssh-key' is ignored; the key configured for " + run.name() + " is used");
    }
    RemoteRepository remote = run;
    String token = context.input("token");
    if (!token.isEmpty()) {
      context.addMask(token);
      remote =
          new RemoteRepository(run.name(), run.cloneUrl(), run.username(), token, run.sshKey());
    }
    try {
      Path mirror = mirrors.sync(remote);
      context.log("Fetched " + run.name() + " into the mirror " + mirror);
      String ref = context.input("ref");
      String sha = ref.isEmpty() ? nullToEmpty(context.sha()) : mirrors.resolve(remote, ref);
      if (sha.isEmpty()) {
        return ActionResult.failure(
            "actions/checkout: the run of "
                + run.name()
                + " has no commit; give a 'ref' to check out");
      }
      mirrors.checkout(remote, sha, target, depth);
      context.log(
          "Checked out "
              + run.name()
              + " at "
              + sha
              + (ref.isEmpty() ? "" : " (" + ref + ")")
              + " into "
              + target
              + (depth == 0 ? " with all history" : " with the last " + depth + " commit(s)"));
      context.setOutput("ref", ref.isEmpty() ? nullToEmpty(context.ref()) : ref);
      context.setOutput("commit", sha);
      return ActionResult.ok();
    } catch (GitException e) {
      return ActionResult.failure("actions/checkout: " + e.getMessage());
    }
  }

  private static String nullToEmpty(String s) {
    return s == null ? "" : s;
  }

  private static void clean(Path dir) throws IOException {
    try (Stream<Path> entries = Files.list(dir)) {
      for (Path entry : entries.toList()) {
        try (Stream<Path> tree = Files.walk(entry)) {
          for (Path p : tree.sorted(Comparator.reverseOrder()).toList()) {
            Files.delete(p);
          }
        }
      }
    }
  }

  private static void copyTree(Path source, Path target, long[] counted) throws IOException {
    Files.walkFileTree(
        source,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs)
              throws IOException {
            if (!dir.equals(source) && SKIPPED.contains(dir.getFileName().toString())) {
              return FileVisitResult.SKIP_SUBTREE;
            }
            // The target may sit inside the source (a workspace under the project).
            if (dir.equals(target)) {
              return FileVisitResult.SKIP_SUBTREE;
            }
            Files.createDirectories(target.resolve(source.relativize(dir).toString()));
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            Path to = target.resolve(source.relativize(file).toString());
            if (attrs.isSymbolicLink()) {
              try {
                Files.createSymbolicLink(to, Files.readSymbolicLink(file));
              } catch (FileAlreadyExistsException e) {
                Files.delete(to);
                Files.createSymbolicLink(to, Files.readSymbolicLink(file));
              }
            } else {
              Files.copy(
                  file,
                  to,
                  StandardCopyOption.REPLACE_EXISTING,
                  StandardCopyOption.COPY_ATTRIBUTES,
                  LinkOption.NOFOLLOW_LINKS);
              counted[0]++;
              counted[1] += attrs.size();
            }
            return FileVisitResult.CONTINUE;
          }
        });
  }
}
