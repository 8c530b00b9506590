package io.gantry.runner.expression;

import java.util.List;
import java.util.Set;

/**
 * GitHub Actions expressions: {@code ${{ }}} templates and bare conditions.
 *
 * <p>The language is GitHub's: literals ({@code null}, booleans, numbers incl. hex and exponent,
 * 'single-quoted' strings with '' escapes), {@code ! == != < <= > >= && ||}, grouping, property
 * access ({@code a.b}, {@code a['b']}), index access, {@code .*} object filters, and the functions
 * {@code success() failure() always() cancelled() contains startsWith endsWith format join toJSON
 * fromJSON hashFiles}. Equality is loose and truthiness is as GitHub documents; {@code &&} and
 * {@code ||} return an operand, not a boolean.
 */
public final class Expressions {

  private Expressions() {}

  /** Evaluates a bare expression (no {@code ${{ }}}) to a value. */
  public static Object evaluate(String expression, ExpressionContext context)
      throws ExpressionException {
    throw new UnsupportedOperationException("not yet implemented");
  }

  /**
   * Evaluates an {@code if:} condition, written bare or wrapped in one {@code ${{ }}}. When the
   * condition calls none of the status functions, it is evaluated as {@code success() && (...)}.
   * An empty or null condition means {@code success()}.
   */
  public static boolean condition(String condition, ExpressionContext context)
      throws ExpressionException {
    throw new UnsupportedOperationException("not yet implemented");
  }

  /** Replaces every {@code ${{ expr }}} of a template by the string form of its value. */
  public static String interpolate(String template, ExpressionContext context)
      throws ExpressionException {
    throw new UnsupportedOperationException("not yet implemented");
  }

  /**
   * Like {@link #interpolate}, but when the whole template is one {@code ${{ }}} the value keeps
   * its type (so {@code ${{ fromJSON(x) }}} yields a Map or List and {@code ${{ true }}} a Boolean).
   */
  public static Object evaluateTemplate(String template, ExpressionContext context)
      throws ExpressionException {
    throw new UnsupportedOperationException("not yet implemented");
  }

  /**
   * Checks a template (or, when {@code condition} is true, an {@code if:} condition) without
   * evaluating it: syntax, unknown functions and wrong argument counts, and context names not in
   * {@code availableContexts}. Reports every problem found.
   */
  public static List<ExpressionProblem> check(
      String text, boolean condition, Set<String> availableContexts) {
    throw new UnsupportedOperationException("not yet implemented");
  }

  /**
   * The context property paths a template reads, lower-cased and dotted, with the 0-based offset
   * of each reference in the text: {@code ${{ github.event.head_commit.message }}} gives
   * {@code github.event.head_commit.message}; index access with a string literal is folded in
   * ({@code github['event'].ref} gives {@code github.event.ref}); a {@code *} filter gives
   * {@code *}. Used by the validator's script-injection rule. Unparseable templates give an empty
   * list (their syntax error is reported by {@link #check}).
   */
  public static List<Reference> references(String text) {
    throw new UnsupportedOperationException("not yet implemented");
  }

  /** One context property path read by a template. */
  public record Reference(String path, int offset) {}

  /** GitHub's truthiness: false, 0, -0, NaN, "" and null are falsy; everything else truthy. */
  public static boolean truthy(Object value) {
    throw new UnsupportedOperationException("not yet implemented");
  }

  /**
   * The string form GitHub uses when a value is interpolated: null gives "", booleans
   * "true"/"false", integral numbers without a fraction, objects and arrays as JSON.
   */
  public static String stringify(Object value) {
    throw new UnsupportedOperationException("not yet implemented");
  }

  /** Pretty JSON of a value, as {@code toJSON} gives it. */
  public static String toJson(Object value) {
    throw new UnsupportedOperationException("not yet implemented");
  }

  /** Plain data (Map/List/String/Double/Boolean/null) from JSON text. */
  public static Object fromJson(String json) throws ExpressionException {
    throw new UnsupportedOperationException("not yet implemented");
  }
}
