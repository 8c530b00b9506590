package io.gantry.server.web;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.commonmark.parser.Parser;
import org.commonmark.renderer.html.HtmlRenderer;

/** Step summaries: CommonMark with raw HTML escaped and unsafe link targets dropped. */
final class Markdown {

  /** Summaries longer than this are cut (GitHub's limit is 1 MiB per step). */
  static final int MAX_BYTES = 1024 * 1024;

  private static final Parser PARSER = Parser.builder().build();
  private static final HtmlRenderer RENDERER =
      HtmlRenderer.builder().escapeHtml(true).sanitizeUrls(true).build();

  private Markdown() {}

  static String render(String markdown) {
    return RENDERER.render(PARSER.parse(markdown));
  }

  /** The file's text, at most {@link #MAX_BYTES}, or null when absent or empty. */
  static String read(Path file) {
    if (!Files.isRegularFile(file)) {
      return null;
    }
    try (InputStream in = Files.newInputStream(file)) {
      String text = new String(in.readNBytes(MAX_BYTES), StandardCharsets.UTF_8);
      return text.isBlank() ? null : text;
    } catch (IOException e) {
      return null;
    }
  }
}
