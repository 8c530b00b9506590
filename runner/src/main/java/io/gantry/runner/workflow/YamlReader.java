package io.gantry.runner.workflow;

import java.util.List;
import java.util.Optional;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.ReaderException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.schema.CoreSchema;

/**
 * Composes YAML 1.2 text into a node tree with marks. The core schema keeps {@code on:} a string
 * (YAML 1.1 would read it as {@code true}). Duplicate keys are left for the validator, which
 * reports them all with their places.
 */
public final class YamlReader {

  private YamlReader() {}

  /**
   * For the other YAML files Gantry reads (an action's {@code action.yml}): the root node, or empty
   * with the problems, each at its {@code file:line:column}, added to {@code problems}.
   */
  public static Optional<Node> read(String source, String displayName, List<Problem> problems) {
    Report report = new Report(displayName);
    Optional<Node> root = read(source, report);
    problems.addAll(report.problems());
    return root;
  }

  /** Where a node starts, 1-based, in the file called {@code displayName}. */
  public static Location at(Node node, String displayName) {
    return new Report(displayName).at(node);
  }

  /** The document's root node, or empty when the text holds no document or is not YAML. */
  static Optional<Node> read(String source, Report report) {
    LoadSettings settings =
        LoadSettings.builder()
            .setLabel(report.displayName())
            .setSchema(new CoreSchema())
            .setUseMarks(true)
            .setAllowDuplicateKeys(true)
            .build();
    try {
      return new Compose(settings).composeString(source);
    } catch (MarkedYamlEngineException e) {
      Optional<Mark> mark = e.getProblemMark().or(e::getContextMark);
      Location location =
          mark.map(m -> new Location(report.displayName(), m.getLine() + 1, m.getColumn() + 1))
              .orElse(Location.of(report.displayName()));
      String problem = e.getProblem() != null ? e.getProblem() : firstLine(e.getMessage());
      String context =
          e.getContext() == null || e.getContext().isBlank() ? "" : e.getContext() + ", ";
      report.error(location, "invalid YAML: " + firstLine(context + problem));
    } catch (ReaderException e) {
      int[] lineColumn = lineColumn(source, e.getPosition());
      report.error(
          new Location(report.displayName(), lineColumn[0], lineColumn[1]),
          String.format(
              "invalid YAML: special character U+%04X is not allowed; remove it",
              e.getCodePoint()));
    } catch (YamlEngineException e) {
      report.error(Location.of(report.displayName()), "invalid YAML: " + firstLine(e.getMessage()));
    }
    return Optional.empty();
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "unreadable document";
    }
    int newline = message.indexOf('\n');
    return (newline < 0 ? message : message.substring(0, newline)).trim();
  }

  /** 1-based line and column of a code point offset. */
  private static int[] lineColumn(String source, int codePointOffset) {
    int line = 1;
    int column = 1;
    int i = 0;
    int seen = 0;
    while (i < source.length() && seen < codePointOffset) {
      int cp = source.codePointAt(i);
      if (cp == '\n') {
        line++;
        column = 1;
      } else {
        column++;
      }
      i += Character.charCount(cp);
      seen++;
    }
    return new int[] {line, column};
  }
}
