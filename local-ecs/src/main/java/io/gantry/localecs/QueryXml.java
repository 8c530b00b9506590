package io.gantry.localecs;

/**
 * The XML of AWS's query protocol (ELBv2, CloudWatch): an action's response envelope, its error
 * document, and text escaping. Each service passes its own namespace.
 */
final class QueryXml {

  private QueryXml() {}

  /** {@code <ActionResponse xmlns=ns><ActionResult>result</ActionResult>…</ActionResponse>}. */
  static String response(String namespace, String action, String result) {
    return "<"
        + action
        + "Response xmlns=\""
        + namespace
        + "\"><"
        + action
        + "Result>"
        + result
        + "</"
        + action
        + "Result><ResponseMetadata><RequestId>"
        + Arns.uuid()
        + "</RequestId></ResponseMetadata></"
        + action
        + "Response>";
  }

  /** The {@code ErrorResponse} document of a client error. */
  static String error(String namespace, AwsError e) {
    return "<ErrorResponse xmlns=\""
        + namespace
        + "\"><Error><Type>Sender</Type><Code>"
        + escape(e.type)
        + "</Code><Message>"
        + escape(e.getMessage())
        + "</Message></Error><RequestId>"
        + Arns.uuid()
        + "</RequestId></ErrorResponse>";
  }

  /** Text escaped for an element or attribute; null is empty. */
  static String escape(String s) {
    return s == null
        ? ""
        : s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }
}
