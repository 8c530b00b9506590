package io.gantry.runner.expression;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * A text split into literal parts and parsed {@code ${{ }}} expressions, with every problem found.
 * Parsing never throws so that {@link Expressions#check} can report all problems; the evaluating
 * entry points throw the first one instead.
 */
final class Analysis {

  private static final String OPEN = "${{";

  enum Mode {
    /** The whole text is one expression without {@code ${{ }}}. */
    BARE,
    /** Text with embedded {@code ${{ }}} expressions. */
    TEMPLATE,
    /** An {@code if:} condition: bare, one wrapped expression, or else a template. */
    CONDITION
  }

  sealed interface Part {}

  record Text(String text) implements Part {}

  record Expression(Node node) implements Part {}

  final List<Part> parts = new ArrayList<>();
  final List<ExpressionProblem> problems = new ArrayList<>();

  /** Whether the value keeps its type: a bare expression or a lone {@code ${{ }}}. */
  boolean single;

  boolean syntaxError;

  private Analysis() {}

  /**
   * Parses {@code text}; {@code availableContexts} null skips the check of context names. Functions
   * and argument counts are always checked, as GitHub does before evaluating.
   */
  static Analysis of(String text, Mode mode, Collection<String> availableContexts) {
    Analysis analysis = new Analysis();
    int start = 0;
    int end = text.length();
    while (start < end && Character.isWhitespace(text.charAt(start))) {
      start++;
    }
    while (end > start && Character.isWhitespace(text.charAt(end - 1))) {
      end--;
    }
    if (mode == Mode.CONDITION) {
      if (start == end) {
        return analysis;
      }
      if (!text.contains(OPEN)) {
        mode = Mode.BARE;
      } else if (text.startsWith(OPEN, start) && closesAt(text, start) == end - 2) {
        analysis.single = true;
        analysis.expression(text, start + OPEN.length(), end - 2, start, availableContexts);
        return analysis;
      } else {
        mode = Mode.TEMPLATE;
      }
    }
    if (mode == Mode.BARE) {
      analysis.single = true;
      analysis.expression(text, 0, text.length(), 0, availableContexts);
      return analysis;
    }
    analysis.template(text, availableContexts);
    return analysis;
  }

  /** Like {@link #closingOf} but -1 for a malformed text, which the template parse reports. */
  private static int closesAt(String text, int open) {
    try {
      return closingOf(text, open);
    } catch (ExpressionException e) {
      return -1;
    }
  }

  private void template(String text, Collection<String> availableContexts) {
    int at = 0;
    int expressions = 0;
    while (at < text.length()) {
      int open = text.indexOf(OPEN, at);
      if (open < 0) {
        parts.add(new Text(text.substring(at)));
        break;
      }
      if (open > at) {
        parts.add(new Text(text.substring(at, open)));
      }
      int close;
      try {
        close = closingOf(text, open);
      } catch (ExpressionException e) {
        syntax(e);
        return;
      }
      if (close < 0) {
        syntax(new ExpressionException("'${{' is not closed by '}}'", open));
        return;
      }
      expression(text, open + OPEN.length(), close, open, availableContexts);
      expressions++;
      at = close + 2;
    }
    single = expressions == 1;
    for (Part part : parts) {
      if (part instanceof Text literal && !literal.text().isBlank()) {
        single = false;
      }
    }
  }

  /**
   * The offset of the <code>}}</code> closing the <code>${{</code> at {@code open}, or -1; a <code>
   * }}</code> inside a string literal does not close it.
   */
  static int closingOf(String text, int open) throws ExpressionException {
    int i = open + OPEN.length();
    while (i < text.length()) {
      char c = text.charAt(i);
      if (c == '\'') {
        int quote = i;
        i++;
        while (true) {
          if (i >= text.length()) {
            throw new ExpressionException("unterminated string literal", quote);
          }
          if (text.charAt(i) == '\'') {
            if (i + 1 < text.length() && text.charAt(i + 1) == '\'') {
              i += 2;
              continue;
            }
            break;
          }
          i++;
        }
      } else if (c == '}' && i + 1 < text.length() && text.charAt(i + 1) == '}') {
        return i;
      }
      i++;
    }
    return -1;
  }

  private void expression(
      String text, int start, int end, int open, Collection<String> availableContexts) {
    if (text.substring(start, end).isBlank()) {
      syntax(new ExpressionException("empty expression", open));
      return;
    }
    Node node;
    try {
      node = Parser.parse(text, start, end);
    } catch (ExpressionException e) {
      syntax(e);
      return;
    }
    parts.add(new Expression(node));
    Validator.validate(node, availableContexts, problems);
  }

  private void syntax(ExpressionException e) {
    syntaxError = true;
    problems.add(new ExpressionProblem(e.getMessage(), e.offset()));
  }

  void throwFirstProblem() throws ExpressionException {
    if (!problems.isEmpty()) {
      ExpressionProblem first = problems.get(0);
      throw new ExpressionException(first.message(), first.offset());
    }
  }

  boolean callsStatusFunction() {
    for (Part part : parts) {
      if (part instanceof Expression expression
          && Validator.callsStatusFunction(expression.node())) {
        return true;
      }
    }
    return false;
  }
}
