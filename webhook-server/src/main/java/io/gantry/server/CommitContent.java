package io.gantry.server;

import io.gantry.runner.git.GitException;
import io.gantry.runner.git.Mirrors;
import io.gantry.runner.git.RemoteRepository;
import io.gantry.runner.workflow.Workflow;
import io.gantry.runner.workflow.WorkflowException;
import io.gantry.runner.workflow.WorkflowParser;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a delivery needs of a pushed commit, read from the mirror once per commit: a full commit id
 * names its content for good, so a burst of pushes of one commit (to several branches, redelivered,
 * or replayed by a load test) reads the mirror once. Each cache holds the 64 entries used last.
 */
final class CommitContent {

  static final String WORKFLOWS = ".github/workflows";
  private static final List<String> YAML = List.of(".yml", ".yaml");
  private static final int ENTRIES = 64;
  private static final int MAX_CACHED_CHARS = 1 << 20;
  private static final int MAX_CACHED_MESSAGE = 64 * 1024;

  private final Mirrors mirrors;
  private final WorkflowParser parser;
  private final long workflowFileBytes;
  private final Map<String, Mirrors.FolderFiles> filesByCommit = lru();
  private final Map<String, String> messageByCommit = lru();
  private final Map<String, Workflow> parsedWorkflows = lru();

  CommitContent(Mirrors mirrors, WorkflowParser parser, long workflowFileBytes) {
    this.mirrors = mirrors;
    this.parser = parser;
    this.workflowFileBytes = workflowFileBytes;
  }

  /** The workflow files of a commit, by path (and those over the size limit, unread). */
  Mirrors.FolderFiles workflowFiles(String repository, RemoteRepository remote, String sha)
      throws GitException {
    String key = key(repository, sha);
    if (key != null) {
      synchronized (filesByCommit) {
        Mirrors.FolderFiles known = filesByCommit.get(key);
        if (known != null) {
          return known;
        }
      }
    }
    Mirrors.FolderFiles read = mirrors.readFiles(remote, sha, WORKFLOWS, YAML, workflowFileBytes);
    Mirrors.FolderFiles files =
        new Mirrors.FolderFiles(
            Collections.unmodifiableMap(new TreeMap<>(read.files())), read.tooLarge());
    long chars = files.files().values().stream().mapToLong(String::length).sum();
    if (key != null && chars <= MAX_CACHED_CHARS) {
      synchronized (filesByCommit) {
        filesByCommit.put(key, files);
      }
    }
    return files;
  }

  /** The message of a commit. */
  String message(String repository, RemoteRepository remote, String sha) throws GitException {
    String key = key(repository, sha);
    if (key != null) {
      synchronized (messageByCommit) {
        String known = messageByCommit.get(key);
        if (known != null) {
          return known;
        }
      }
    }
    String message = mirrors.message(remote, sha);
    if (key != null && message.length() <= MAX_CACHED_MESSAGE) {
      synchronized (messageByCommit) {
        messageByCommit.put(key, message);
      }
    }
    return message;
  }

  /**
   * A workflow file parsed and validated, remembered by its path and text: a burst of pushes to one
   * repository carries the same workflow files, and validation is the costliest part of taking a
   * delivery. A file whose text changed is parsed again; a file that does not validate is not
   * remembered.
   */
  Workflow parsed(String path, String source) throws WorkflowException {
    String key = path + '\0' + source;
    synchronized (parsedWorkflows) {
      Workflow known = parsedWorkflows.get(key);
      if (known != null) {
        return known;
      }
    }
    Workflow workflow = parser.parse(source, Path.of(path), path);
    synchronized (parsedWorkflows) {
      parsedWorkflows.put(key, workflow);
    }
    return workflow;
  }

  /** The cache key of a full commit id; null for anything shorter (a ref or an abbreviation). */
  private static String key(String repository, String sha) {
    boolean fullId = sha.length() >= 40 && sha.chars().allMatch(c -> Character.digit(c, 16) >= 0);
    return fullId ? repository + '\0' + sha.toLowerCase(Locale.ROOT) : null;
  }

  private static <V> Map<String, V> lru() {
    return new LinkedHashMap<>(ENTRIES, 0.75f, true) {
      private static final long serialVersionUID = 1L;

      @Override
      protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
        return size() > ENTRIES;
      }
    };
  }
}
