package io.gantry.runner.expression;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
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
    Objects.requireNonNull(expression, "expression");
    Analysis analysis = Analysis.of(expression, Analysis.Mode.BARE, contextNames(context));
    analysis.throwFirstProblem();
    return evaluate(analysis, context);
  }

  /**
   * Evaluates an {@code if:} condition, written bare or wrapped in one {@code ${{ }}}. When the
   * condition calls none of the status functions, it is evaluated as {@code success() && (...)}. An
   * empty or null condition means {@code success()}.
   */
  public static boolean condition(String condition, ExpressionContext context)
      throws ExpressionException {
    ExpressionContext.JobStatus status =
        context.status() == null ? ExpressionContext.JobStatus.SUCCEEDING : context.status();
    if (condition == null || condition.isBlank()) {
      return status.success();
    }
    Analysis analysis = Analysis.of(condition, Analysis.Mode.CONDITION, contextNames(context));
    analysis.throwFirstProblem();
    // GitHub's implicit "success() &&": without a status function a failed job skips the step.
    if (!analysis.callsStatusFunction() && !status.success()) {
      return false;
    }
    return truthy(evaluate(analysis, context));
  }

  /** Replaces every {@code ${{ expr }}} of a template by the string form of its value. */
  public static String interpolate(String template, ExpressionContext context)
      throws ExpressionException {
    Objects.requireNonNull(template, "template");
    Analysis analysis = Analysis.of(template, Analysis.Mode.TEMPLATE, contextNames(context));
    analysis.throwFirstProblem();
    return concatenate(analysis, context);
  }

  /**
   * Like {@link #interpolate}, but when the whole template is one {@code ${{ }}} the value keeps
   * its type (so {@code ${{ fromJSON(x) }}} yields a Map or List and {@code ${{ true }}} a
   * Boolean).
   */
  public static Object evaluateTemplate(String template, ExpressionContext context)
      throws ExpressionException {
    Objects.requireNonNull(template, "template");
    Analysis analysis = Analysis.of(template, Analysis.Mode.TEMPLATE, contextNames(context));
    analysis.throwFirstProblem();
    return evaluate(analysis, context);
  }

  /**
   * Checks a template (or, when {@code condition} is true, an {@code if:} condition) without
   * evaluating it: syntax, unknown functions and wrong argument counts, and context names not in
   * {@code availableContexts}. Reports every problem found.
   */
  public static List<ExpressionProblem> check(
      String text, boolean condition, Set<String> availableContexts) {
    Objects.requireNonNull(availableContexts, "availableContexts");
    if (text == null) {
      return List.of();
    }
    Analysis.Mode mode = condition ? Analysis.Mode.CONDITION : Analysis.Mode.TEMPLATE;
    return List.copyOf(Analysis.of(text, mode, availableContexts).problems);
  }

  /**
   * The context property paths a template reads, lower-cased and dotted, with the 0-based offset of
   * each reference in the text: {@code ${{ github.event.head_commit.message }}} gives {@code
   * github.event.head_commit.message}; index access with a string literal is folded in ({@code
   * github['event'].ref} gives {@code github.event.ref}); a {@code *} filter gives {@code *}. Used
   * by the validator's script-injection rule. Unparseable templates give an empty list (their
   * syntax error is reported by {@link #check}).
   */
  public static List<Reference> references(String text) {
    if (text == null) {
      return List.of();
    }
    Analysis analysis = Analysis.of(text, Analysis.Mode.TEMPLATE, null);
    if (analysis.syntaxError) {
      return List.of();
    }
    List<Reference> references = new ArrayList<>();
    ReferenceCollector collector = new ReferenceCollector(references);
    for (Analysis.Part part : analysis.parts) {
      if (part instanceof Analysis.Expression expression) {
        collector.collect(expression.node());
      }
    }
    references.sort(Comparator.comparingInt(Reference::offset));
    return List.copyOf(references);
  }

  /** A single expression keeps its value's type; anything else is interpolated to a string. */
  private static Object evaluate(Analysis analysis, ExpressionContext context)
      throws ExpressionException {
    if (analysis.single) {
      for (Analysis.Part part : analysis.parts) {
        if (part instanceof Analysis.Expression expression) {
          return new Evaluator(context).evaluate(expression.node());
        }
      }
    }
    return concatenate(analysis, context);
  }

  private static String concatenate(Analysis analysis, ExpressionContext context)
      throws ExpressionException {
    Evaluator evaluator = new Evaluator(context);
    StringBuilder out = new StringBuilder();
    for (Analysis.Part part : analysis.parts) {
      if (part instanceof Analysis.Text text) {
        out.append(text.text());
      } else if (part instanceof Analysis.Expression expression) {
        out.append(stringify(evaluator.evaluate(expression.node())));
      }
    }
    return out.toString();
  }

  private static Set<String> contextNames(ExpressionContext context) {
    Objects.requireNonNull(context, "context");
    return context.contexts() == null ? Set.of() : context.contexts().keySet();
  }

  /** One context property path read by a template. */
  public record Reference(String path, int offset) {}

  /** GitHub's truthiness: false, 0, -0, NaN, "" and null are falsy; everything else truthy. */
  public static boolean truthy(Object value) {
    return Values.truthy(value);
  }

  /**
   * The string form GitHub uses when a value is interpolated: null gives "", booleans
   * "true"/"false", integral numbers without a fraction, objects and arrays as JSON.
   */
  public static String stringify(Object value) {
    return Values.stringify(value);
  }

  /** Pretty JSON of a value, as {@code toJSON} gives it. */
  public static String toJson(Object value) {
    return Json.write(value);
  }

  /** Plain data (Map/List/String/Double/Boolean/null) from JSON text. */
  public static Object fromJson(String json) throws ExpressionException {
    Objects.requireNonNull(json, "json");
    return Json.read(json);
  }
}
