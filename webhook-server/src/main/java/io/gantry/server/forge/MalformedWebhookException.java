package io.gantry.server.forge;

/**
 * A verified delivery whose body or headers are not what the forge documents; the server answers
 * 400 with {@link #getMessage()}, which is always one line naming the field.
 */
public final class MalformedWebhookException extends Exception {

  private static final long serialVersionUID = 1L;

  public MalformedWebhookException(String message) {
    super(oneLine(message));
  }

  public MalformedWebhookException(String message, Throwable cause) {
    super(oneLine(message), cause);
  }

  private static String oneLine(String message) {
    return message.replaceAll("\\s*[\\r\\n]+\\s*", " ").strip();
  }
}
