package io.gantry.server.forge;

import java.util.regex.Pattern;

/**
 * Refs and object ids as git accepts them, checked on every signed payload before anything uses
 * them: a ref reaches file paths, git commands, logs and {@code github.ref} in workflows, so a
 * forge's (or a leaked secret holder's) {@code ..}, NUL or newline must stop at the door.
 */
public final class GitNames {

  private static final Pattern OBJECT_ID = Pattern.compile("[0-9a-f]{40}|[0-9a-f]{64}");
  private static final int MAX_REF_LENGTH = 1024;
  private static final int SHOWN = 80;

  private GitNames() {}

  /** A full ref as {@code git check-ref-format} allows it, under {@code refs/}. */
  static String ref(String field, String ref) throws MalformedWebhookException {
    String problem = refProblem(ref);
    if (problem != null) {
      throw new MalformedWebhookException(
          "field '" + field + "' is not a valid git ref (" + problem + "): " + shown(ref));
    }
    return ref;
  }

  /** A full object id: 40 (SHA-1) or 64 (SHA-256) lowercase hex digits. */
  static String objectId(String field, String value) throws MalformedWebhookException {
    if (!OBJECT_ID.matcher(value).matches()) {
      throw new MalformedWebhookException(
          "field '"
              + field
              + "' must be a full commit id (40 or 64 lowercase hex digits), got "
              + shown(value));
    }
    return value;
  }

  /** Why {@code ref} is not a valid full ref, or null when it is. */
  public static String refProblem(String ref) {
    if (!ref.startsWith("refs/") || ref.length() == "refs/".length()) {
      return "it must be a full ref such as refs/heads/main";
    }
    if (ref.length() > MAX_REF_LENGTH) {
      return "it is longer than " + MAX_REF_LENGTH + " characters";
    }
    for (int i = 0; i < ref.length(); i++) {
      char c = ref.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        return "it contains a control character";
      }
      if (" ~^:?*[\\".indexOf(c) >= 0) {
        return "it contains '" + c + "'";
      }
    }
    if (ref.contains("..")) {
      return "it contains '..'";
    }
    if (ref.contains("@{") || ref.equals("@")) {
      return "it contains '@{'";
    }
    if (ref.endsWith("/") || ref.endsWith(".")) {
      return "it ends with '" + ref.charAt(ref.length() - 1) + "'";
    }
    for (String component : ref.split("/", -1)) {
      if (component.isEmpty()) {
        return "it contains '//'";
      }
      if (component.startsWith(".")) {
        return "a part of it starts with '.'";
      }
      if (component.endsWith(".lock")) {
        return "a part of it ends with '.lock'";
      }
    }
    return null;
  }

  /** A value as it may be shown in a one-line message: quoted, escaped and cut short. */
  public static String shown(String value) {
    StringBuilder text = new StringBuilder("'");
    int limit = Math.min(value.length(), SHOWN);
    for (int i = 0; i < limit; i++) {
      char c = value.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        text.append(String.format("\\x%02x", (int) c));
      } else {
        text.append(c);
      }
    }
    return text.append(value.length() > SHOWN ? "…'" : "'").toString();
  }
}
