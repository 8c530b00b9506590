package io.gantry.cli;

import io.gantry.runner.toolcache.ToolCache;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code gantry tools}: fills the tool cache ({@code DATA/tool-cache}, the jobs' {@code
 * RUNNER_TOOL_CACHE}) from this machine's JDKs, Node.js, Go and Python, and lists what it offers to
 * the real setup actions.
 */
@Command(
    name = "tools",
    mixinStandardHelpOptions = true,
    description =
        "Fill the tool cache from this machine's toolchains (JDKs in /usr/lib/jvm, $JAVA_HOME and"
            + " --jdk folders; node, go, python3 on the PATH) and list what setup-java,"
            + " setup-node, setup-go and setup-python will find there.")
final class ToolsCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(
      names = "--jdk",
      paramLabel = "DIR",
      description = "A JDK, or a folder of JDKs, to offer too (repeatable).")
  List<Path> jdks = new ArrayList<>();

  @Option(
      names = "--data-dir",
      paramLabel = "DIR",
      description = "Gantry's data folder (default: $GANTRY_DATA_DIR, else ~/.local/share/gantry).")
  Path dataDir;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    Path data = dataDir != null ? dataDir : Settings.defaultDataDir();
    List<Path> locations = new ArrayList<>(jdks);
    String javaHome = System.getenv("JAVA_HOME");
    if (javaHome != null && !javaHome.isBlank()) {
      locations.add(Path.of(javaHome));
    }
    locations.add(Path.of("/usr/lib/jvm"));
    Path cache = data.resolve("tool-cache");
    ToolCache.fill(cache, locations, System.getenv("PATH"));
    out.println("RUNNER_TOOL_CACHE=" + cache);
    for (ToolCache.Tool tool : ToolCache.list(cache)) {
      out.println(tool);
    }
    return Gantry.OK;
  }
}
