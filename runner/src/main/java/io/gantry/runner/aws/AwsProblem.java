package io.gantry.runner.aws;

/**
 * A one-line reason why an AWS call, or a deploy built on AWS calls, cannot go on: bad input, a
 * missing variable, or a call that failed. The {@code aws} package and the deploy library throw it;
 * the actions turn it into a failed step, the server and the CLI into a one-line answer, so it
 * never escapes to a user as a stack trace. The message must never contain a secret.
 */
public final class AwsProblem extends Exception {

  private static final long serialVersionUID = 1L;

  public AwsProblem(String message) {
    super(message, null, false, false);
  }
}
