package io.gantry.runner.expression;

import java.nio.file.Path;
import java.util.Map;

/**
 * What an expression is evaluated against.
 *
 * <p>Context values are plain data: {@code null}, {@link Boolean}, {@link Double} (every number),
 * {@link String}, {@code Map<String, Object>} and {@code List<Object>}. Property names are matched
 * case-insensitively, as GitHub does.
 *
 * @param contexts the available contexts by lower-case name ({@code github}, {@code env}, {@code
 *     matrix}, ...); a name absent from the map is "not available here"
 * @param status answers the status functions {@code success()}, {@code failure()} and {@code
 *     cancelled()} ({@code always()} is always true)
 * @param workspace the folder {@code hashFiles()} resolves its patterns against, or null where
 *     {@code hashFiles} is not available
 */
public record ExpressionContext(Map<String, Object> contexts, JobStatus status, Path workspace) {

  /** The status of the job (for step conditions) or of the needed jobs (for job conditions). */
  public interface JobStatus {
    boolean success();

    boolean failure();

    boolean cancelled();

    /** A status in which nothing failed and nothing was cancelled. */
    JobStatus SUCCEEDING =
        new JobStatus() {
          @Override
          public boolean success() {
            return true;
          }

          @Override
          public boolean failure() {
            return false;
          }

          @Override
          public boolean cancelled() {
            return false;
          }
        };
  }
}
