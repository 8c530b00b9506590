package io.gantry.runner.workflow;

import io.gantry.runner.expression.Expressions;
import io.gantry.runner.expression.Expressions.Reference;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.snakeyaml.engine.v2.nodes.ScalarNode;

/**
 * Script injection: a {@code ${{ }}} in a {@code run:} script is pasted into the script before the
 * shell reads it, so an event field anyone can write (a commit message, a branch name, an issue
 * title) becomes code. The fields are GitHub Security Lab's list of untrusted input; reading a
 * whole object that contains one (e.g. {@code toJSON(github.event)}) counts too. The same values
 * passed through {@code env:} or {@code with:} are data, and fine.
 */
final class InjectionRule {

  /** Dotted paths; {@code *} stands for any one property (an array index or a key). */
  private static final List<String[]> UNTRUSTED = new ArrayList<>();

  static {
    for (String object :
        List.of(
            "issue",
            "pull_request",
            "comment",
            "review",
            "review_comment",
            "discussion",
            "discussion_comment",
            "*")) {
      untrusted("github.event." + object + ".title");
      untrusted("github.event." + object + ".body");
    }
    untrusted("github.event.pages.*.page_name");
    for (String commit : List.of("github.event.head_commit", "github.event.commits.*")) {
      untrusted(commit + ".message");
      untrusted(commit + ".author.name");
      untrusted(commit + ".author.email");
      untrusted(commit + ".committer.name");
      untrusted(commit + ".committer.email");
    }
    untrusted("github.event.pusher.name");
    untrusted("github.event.pusher.email");
    untrusted("github.event.ref");
    untrusted("github.event.pull_request.head.ref");
    untrusted("github.event.pull_request.head.label");
    untrusted("github.event.pull_request.head.repo.default_branch");
    untrusted("github.event.workflow_run.head_branch");
    untrusted("github.event.workflow_run.head_commit.message");
    untrusted("github.event.workflow_run.head_commit.author.name");
    untrusted("github.event.workflow_run.head_commit.author.email");
    untrusted("github.event.workflow_run.pull_requests.*.head.ref");
    untrusted("github.head_ref");
    // The pushed ref itself: branch and tag names are chosen by whoever pushes (a fork's branch,
    // a tag), and "a;curl$IFS…|sh" is a valid branch name.
    untrusted("github.ref");
    untrusted("github.ref_name");
    untrusted("github.base_ref");
  }

  private static void untrusted(String path) {
    UNTRUSTED.add(path.split("\\."));
  }

  private final Report report;
  private final TemplateChecker templates;

  InjectionRule(Report report, TemplateChecker templates) {
    this.report = report;
    this.templates = templates;
  }

  /** Reports every untrusted read in a {@code run:} script. */
  void checkRun(ScalarNode run) {
    if (!run.getValue().contains("${{")) {
      return;
    }
    for (Reference ref : Expressions.references(run.getValue())) {
      if (isUntrusted(ref.path())) {
        String var = envName(ref.path());
        report.error(
            templates.at(run, ref.offset()),
            "'"
                + ref.path()
                + "' is attacker-controlled and is interpolated into a run: script; pass it"
                + " through env: instead, e.g. env: { "
                + var
                + ": ${{ "
                + ref.path()
                + " }} } and use \"$"
                + var
                + "\"");
      }
    }
  }

  /** Whether a path is an untrusted field, or an object (or wildcard) that reaches one. */
  static boolean isUntrusted(String path) {
    String[] segments = path.toLowerCase(Locale.ROOT).split("\\.");
    for (String[] pattern : UNTRUSTED) {
      if (segments.length <= pattern.length && prefixMatches(segments, pattern)) {
        return true;
      }
    }
    return false;
  }

  private static boolean prefixMatches(String[] segments, String[] pattern) {
    for (int i = 0; i < segments.length; i++) {
      boolean wildcard = segments[i].equals("*") || pattern[i].equals("*");
      if (!wildcard && !segments[i].equals(pattern[i])) {
        return false;
      }
    }
    // A proper prefix reads a whole object; a wildcard standing for an event object name must
    // not make e.g. github.event.after (a commit id) look like an object holding a title.
    boolean objectNameOnly =
        segments.length == 3 && pattern[2].equals("*") && !segments[2].equals("*");
    return segments.length == pattern.length || !objectNameOnly;
  }

  /** An environment variable name for the fix: the last named segment, upper-cased. */
  static String envName(String path) {
    String[] segments = path.split("\\.");
    for (int i = segments.length - 1; i >= 0; i--) {
      if (!segments[i].equals("*") && !segments[i].matches("\\d+")) {
        String name = segments[i].toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9_]", "_");
        return name.equals("GITHUB") ? "EVENT" : name;
      }
    }
    return "VALUE";
  }
}
