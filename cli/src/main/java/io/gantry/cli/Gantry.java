package io.gantry.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code gantry} command line.
 *
 * <p>Exit codes are the same for every command: 0 success, 1 a run failed, 2 bad input (invalid
 * workflow, misuse of the command, unreadable file). No command prints a stack trace: errors are
 * one line naming what is wrong.
 */
@Command(
    name = "gantry",
    mixinStandardHelpOptions = true,
    versionProvider = Gantry.Version.class,
    description = "Runs GitHub-Actions-style workflows on this machine: test, build, deploy.",
    subcommands = {
      RunCommand.class,
      ValidateCommand.class,
      ServeCommand.class,
      HookCommand.class,
      LocalEcsCommand.class,
      BaseImageCommand.class,
      ToolsCommand.class,
      ArtifactsCommand.class,
      CachesCommand.class,
      DbCommand.class,
      ClientCommands.Runs.class,
      ClientCommands.Logs.class,
      ClientCommands.Rerun.class,
      ClientCommands.Cancel.class,
      ClientCommands.Dispatch.class,
      ClientCommands.Schedules.class,
      AgentsCommand.class,
      AgentCommand.class,
      DeployCommands.Deployments.class,
      DeployCommands.Rollback.class,
      CommandLine.HelpCommand.class
    })
public final class Gantry {

  public static final int OK = 0;
  public static final int RUN_FAILED = 1;
  public static final int BAD_INPUT = 2;

  public static void main(String[] args) {
    fastProcessLaunch();
    System.exit(execute(args));
  }

  /**
   * Every step is a process; on JDK 17 the default launcher (posix_spawn through jspawnhelper)
   * costs an extra exec per step, vfork does not (measured in bench/README.md). From JDK 21 on,
   * vfork is deprecated, so the default stays.
   */
  static void fastProcessLaunch() {
    if (Runtime.version().feature() < 21
        && System.getProperty("jdk.lang.Process.launchMechanism") == null) {
      System.setProperty("jdk.lang.Process.launchMechanism", "VFORK");
    }
  }

  /** Runs the command line on the process's standard streams and returns its exit code. */
  public static int execute(String... args) {
    return execute(
        new java.io.PrintWriter(
            new java.io.OutputStreamWriter(System.out, java.nio.charset.Charset.defaultCharset()),
            true),
        new java.io.PrintWriter(
            new java.io.OutputStreamWriter(System.err, java.nio.charset.Charset.defaultCharset()),
            true),
        args);
  }

  /** Runs the command line with the given output streams and returns its exit code. */
  public static int execute(java.io.PrintWriter out, java.io.PrintWriter err, String... args) {
    // A git hook runs on every push and its time is the pusher's: build only the hook's part of
    // the command tree (picocli builds every command's model up front; all of them take ~0.3 s).
    boolean hook = args.length > 0 && args[0].equals("hook");
    CommandLine commandLine =
        hook
            ? new CommandLine(new HookCommand()).setCommandName("gantry hook")
            : new CommandLine(new Gantry());
    if (hook) {
      args = java.util.Arrays.copyOfRange(args, 1, args.length);
    }
    commandLine.setOut(out);
    commandLine.setErr(err);
    commandLine.setExecutionExceptionHandler(
        (e, cmd, parsed) -> {
          cmd.getErr().println("gantry: " + oneLine(e));
          return BAD_INPUT;
        });
    return commandLine.execute(args);
  }

  static String oneLine(Throwable e) {
    String message = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    return message.replace('\n', ' ');
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String version = Gantry.class.getPackage().getImplementationVersion();
      return new String[] {"gantry " + (version != null ? version : "development build")};
    }
  }
}
