package io.gantry.server.web;

import io.gantry.runner.store.Result;
import io.gantry.runner.store.RunStatus;
import io.javalin.http.Context;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;

/**
 * The pages' HTML: every value goes through {@link #esc} (text and attributes alike), the layout is
 * one method, and every page is sent with a Content-Security-Policy that allows no inline script or
 * style, so an unescaped value still could not run.
 */
final class Html {

  static final String CSP =
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
          + " connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

  private Html() {}

  /** Text for an element or a quoted attribute. */
  static String esc(Object value) {
    if (value == null) {
      return "";
    }
    String s = value.toString();
    StringBuilder out = new StringBuilder(s.length() + 16);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '&' -> out.append("&amp;");
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&#39;");
        default -> out.append(c);
      }
    }
    return out.toString();
  }

  /** A path or query component. */
  static String url(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /** Sends a whole page with the security headers. */
  static void send(Context ctx, String html) {
    headers(ctx);
    ctx.contentType("text/html; charset=utf-8");
    ctx.result(html);
  }

  static void headers(Context ctx) {
    ctx.header("Content-Security-Policy", CSP);
    ctx.header("X-Content-Type-Options", "nosniff");
    ctx.header("Referrer-Policy", "same-origin");
    ctx.header("X-Frame-Options", "DENY");
    ctx.header("Cache-Control", "no-store");
  }

  /**
   * The layout around a page's body.
   *
   * @param user who is signed in, or null
   * @param csrf the session's CSRF token (in a meta tag for the scripts), or null
   * @param scripts the page's scripts under /ui/assets/
   */
  static String page(
      String title, Access.Principal user, String csrf, String body, String... scripts) {
    StringBuilder h = new StringBuilder(body.length() + 2048);
    h.append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">")
        .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
        .append("<link rel=\"icon\" href=\"data:,\"><title>")
        .append(esc(title))
        .append(" · Gantry</title><link rel=\"stylesheet\" href=\"/ui/assets/app.css\">");
    if (csrf != null) {
      h.append("<meta name=\"csrf-token\" content=\"").append(esc(csrf)).append("\">");
    }
    h.append("<script src=\"/ui/assets/app.js\" defer></script>");
    for (String script : scripts) {
      h.append("<script src=\"/ui/assets/").append(esc(script)).append("\" defer></script>");
    }
    h.append("</head><body><header class=\"top\"><a class=\"brand\" href=\"/\">Gantry</a>")
        .append(
            "<nav aria-label=\"main\"><a href=\"/\">Runs &amp; services</a></nav><div class=\"who\">");
    if (user == null) {
      h.append("<a href=\"/signin\">Sign in</a>");
    } else if ("anonymous".equals(user.name()) && csrf == null) {
      h.append("<span>read-only</span> <a href=\"/signin\">Sign in</a>");
    } else {
      h.append("<span class=\"user\">")
          .append(esc(user.name()))
          .append(" (")
          .append(user.operator() ? "operator" : "viewer")
          .append(")</span><form method=\"post\" action=\"/signout\" class=\"inline\">")
          .append(csrfField(csrf))
          .append("<button type=\"submit\" class=\"link\">Sign out</button></form>");
    }
    h.append("</div></header><main id=\"main\">").append(body).append("</main></body></html>");
    return h.toString();
  }

  static String csrfField(String csrf) {
    return csrf == null ? "" : "<input type=\"hidden\" name=\"_csrf\" value=\"" + esc(csrf) + "\">";
  }

  /** A run's, job's or step's status icon with its name for screen readers. */
  static String status(RunStatus status, Result conclusion) {
    return status(
        status == null ? null : status.name(), conclusion == null ? null : conclusion.label());
  }

  /** A status icon with its name for screen readers. */
  static String status(String status, String conclusion) {
    String state =
        conclusion != null
            ? conclusion
            : status == null ? "queued" : status.toLowerCase(java.util.Locale.ROOT);
    String symbol =
        switch (state) {
          case "success" -> "✓";
          case "failure" -> "✗";
          case "cancelled" -> "⊘";
          case "skipped" -> "↷";
          case "in_progress" -> "●";
          default -> "○";
        };
    return "<span class=\"st st-"
        + esc(state)
        + "\" role=\"img\" aria-label=\""
        + esc(state)
        + "\" title=\""
        + esc(state)
        + "\">"
        + symbol
        + "</span>";
  }

  /**
   * How long from start to end (or to now while running), e.g. {@code 1m 05s}; empty if not
   * started.
   */
  static String duration(Instant start, Instant end) {
    if (start == null) {
      return "";
    }
    Duration d = Duration.between(start, end == null ? Instant.now() : end);
    long s = Math.max(0, d.toSeconds());
    if (s < 60) {
      return s + "s";
    }
    if (s < 3600) {
      return (s / 60) + "m " + String.format("%02ds", s % 60);
    }
    return (s / 3600) + "h " + String.format("%02dm", (s / 60) % 60);
  }

  /** A time the browser shows as an age ("3 min ago"), its exact value on hover. */
  static String age(Instant at) {
    if (at == null) {
      return "";
    }
    long s = Math.max(0, Duration.between(at, Instant.now()).toSeconds());
    String text =
        s < 60
            ? s + "s ago"
            : s < 3600
                ? (s / 60) + " min ago"
                : s < 86400 ? (s / 3600) + " h ago" : (s / 86400) + " d ago";
    return "<time class=\"age\" datetime=\"" + at + "\" title=\"" + at + "\">" + text + "</time>";
  }

  /** The first line of a text, cut to {@code max} characters. */
  static String firstLine(String text, int max) {
    if (text == null) {
      return "";
    }
    String t = text.strip();
    int nl = t.indexOf('\n');
    String line = nl < 0 ? t : t.substring(0, nl);
    return line.length() > max ? line.substring(0, max) + "…" : line;
  }

  static String shortSha(String sha) {
    return sha == null ? "" : sha.length() > 7 ? sha.substring(0, 7) : sha;
  }

  static String branch(String ref) {
    if (ref == null) {
      return "";
    }
    return ref.startsWith("refs/heads/")
        ? ref.substring(11)
        : ref.startsWith("refs/tags/") ? ref.substring(5) : ref;
  }
}
