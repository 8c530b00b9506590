package io.gantry.runner.action.image;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gantry.runner.workflow.ContainerOptions;
import java.util.ArrayList;
import java.util.List;

/** Command lines and lists as workflow inputs write them. */
final class Words {

  private static final ObjectMapper JSON = new ObjectMapper();

  private Words() {}

  /**
   * A command: a JSON array of strings (the exec form of a Dockerfile, {@code ["java", "-jar",
   * "app.jar"]}), or words separated by white space, where single or double quotes keep a word
   * together and a backslash escapes the next character outside single quotes.
   *
   * @throws IllegalArgumentException with a one-line reason
   */
  static List<String> command(String text) {
    String trimmed = text.strip();
    if (trimmed.startsWith("[")) {
      JsonNode node;
      try {
        node = JSON.readTree(trimmed);
      } catch (JsonProcessingException e) {
        throw new IllegalArgumentException(
            "is not a JSON array of strings ("
                + e.getOriginalMessage()
                + "); write [\"cmd\", \"arg\"] or plain words");
      }
      List<String> words = new ArrayList<>();
      for (JsonNode element : node) {
        if (!element.isTextual()) {
          throw new IllegalArgumentException(
              "has " + element + " in its JSON array; every element must be a string");
        }
        words.add(element.asText());
      }
      return words;
    }
    return split(trimmed);
  }

  private static List<String> split(String text) {
    try {
      return ContainerOptions.words(text);
    } catch (ContainerOptions.OptionsException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  /** Items separated by commas or new lines, trimmed, empty ones dropped. */
  static List<String> list(String text) {
    List<String> items = new ArrayList<>();
    for (String item : text.split("[,\\n]")) {
      if (!item.isBlank()) {
        items.add(item.strip());
      }
    }
    return items;
  }

  /** Non-blank lines, trimmed. */
  static List<String> lines(String text) {
    return text.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
  }
}
