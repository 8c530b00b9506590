package io.gantry.runner.cache;

/**
 * A cache request refused, with the reason as one line and the kind of refusal (which the HTTP
 * binding maps to a status code).
 */
public final class CacheException extends Exception {
  private static final long serialVersionUID = 1L;

  /** Why. */
  public enum Kind {
    /** No such token, or the job it was issued to has ended. */
    UNAUTHORIZED,
    /** A malformed key, version, range or size. */
    BAD_REQUEST,
    /** The key already exists (immutable) or is being saved by another job. */
    CONFLICT,
    /** No such upload, or not this job's. */
    NOT_FOUND,
    /** Over the configured total size. */
    TOO_LARGE
  }

  private final Kind kind;

  public CacheException(Kind kind, String message) {
    super(message);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }
}
