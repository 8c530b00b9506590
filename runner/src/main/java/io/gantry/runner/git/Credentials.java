package io.gantry.runner.git;

import java.io.File;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import org.eclipse.jgit.transport.CredentialsProvider;
import org.eclipse.jgit.transport.SshTransport;
import org.eclipse.jgit.transport.Transport;
import org.eclipse.jgit.transport.URIish;
import org.eclipse.jgit.transport.UsernamePasswordCredentialsProvider;
import org.eclipse.jgit.transport.sshd.SshdSessionFactory;
import org.eclipse.jgit.transport.sshd.SshdSessionFactoryBuilder;
import org.eclipse.jgit.util.FS;

/**
 * How one fetch authenticates (HTTPS user and token, or an SSH key), and how its failures are
 * worded: every message that leaves this package passes {@link #mask} so no secret escapes.
 */
final class Credentials implements AutoCloseable {

  /** A forge that stops sending for this long fails the fetch instead of hanging a worker. */
  static final int IDLE_TIMEOUT_SECONDS = 120;

  private static final Pattern HTTP_DENIED = Pattern.compile("\\b(401|403)\\b");
  private static final Pattern USERINFO_PASSWORD = Pattern.compile("(://[^/@\\s:]*:)[^/@\\s]+@");

  private final CredentialsProvider provider;
  private final SshdSessionFactory ssh;

  private Credentials(CredentialsProvider provider, SshdSessionFactory ssh) {
    this.provider = provider;
    this.ssh = ssh;
  }

  static Credentials of(RemoteRepository repository) {
    CredentialsProvider provider = null;
    if (repository.password() != null && !repository.password().isEmpty()) {
      // Forges accept any user name with a token; GitHub documents x-access-token.
      String user =
          repository.username() == null || repository.username().isEmpty()
              ? "x-access-token"
              : repository.username();
      provider = new UsernamePasswordCredentialsProvider(user, repository.password());
    }
    SshdSessionFactory ssh = null;
    if (repository.sshKey() != null) {
      File home = FS.DETECTED.userHome();
      List<java.nio.file.Path> identity = List.of(repository.sshKey().toAbsolutePath());
      // Only the configured key is offered; host keys are checked against ~/.ssh/known_hosts.
      ssh =
          new SshdSessionFactoryBuilder()
              .setHomeDirectory(home)
              .setSshDirectory(new File(home, ".ssh"))
              .setDefaultIdentities(dir -> identity)
              .setPreferredAuthentications("publickey")
              .build(null);
    }
    return new Credentials(provider, ssh);
  }

  CredentialsProvider provider() {
    return provider;
  }

  void configure(Transport transport) {
    if (ssh != null && transport instanceof SshTransport sshTransport) {
      sshTransport.setSshSessionFactory(ssh);
    }
  }

  @Override
  public void close() {
    if (ssh != null) {
      ssh.close();
    }
  }

  /** The clone URL without any password in it, for messages and {@code .git/config}. */
  static String displayUrl(RemoteRepository repository) {
    String url = repository.cloneUrl();
    try {
      URIish uri = new URIish(url);
      if (uri.getPass() != null) {
        return uri.setPass(null).toString();
      }
    } catch (URISyntaxException e) {
      // Not a URL JGit understands; masking below still hides a password in it.
    }
    return mask(url, repository);
  }

  /**
   * {@code text} with the repository's password (plain or URL-encoded) and any URL password as ***.
   */
  static String mask(String text, RemoteRepository repository) {
    if (text == null) {
      return "";
    }
    String masked = text;
    String password = repository.password();
    if (password != null && !password.isEmpty()) {
      masked = masked.replace(password, "***");
      masked = masked.replace(URLEncoder.encode(password, StandardCharsets.UTF_8), "***");
    }
    return USERINFO_PASSWORD.matcher(masked).replaceAll("$1***@");
  }

  /** The innermost message of a failure, on one line. */
  static String rootMessage(Throwable e) {
    Throwable t = e;
    String message = e.getMessage();
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
      if (t.getMessage() != null) {
        message = t.getMessage();
      }
    }
    return message == null ? e.getClass().getSimpleName() : message.replaceAll("\\s+", " ").trim();
  }

  /** A failed clone or fetch, worded with its likely cause and fix. */
  static GitException transportFailure(String verb, RemoteRepository repository, Exception e) {
    StringBuilder all = new StringBuilder();
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      all.append(t.getClass().getSimpleName()).append(' ').append(t.getMessage()).append('\n');
    }
    // The repository's own address is left out before looking for words: a path such as
    // /tmp/junit4011/... must not read as an HTTP 401.
    String text = all.toString();
    String url = repository.cloneUrl();
    if (url != null && !url.isEmpty()) {
      text = text.replace(url, " ");
      if (url.startsWith("file:")) {
        try {
          text = text.replace(java.net.URI.create(url).getPath(), " ");
        } catch (IllegalArgumentException notAUri) {
          // A file: address that is not a URI: nothing more to leave out.
        }
      }
    }
    text = text.toLowerCase(Locale.ROOT);
    String reason;
    if (text.contains("not authorized")
        || text.contains("authentication")
        || text.contains("auth fail")
        || HTTP_DENIED.matcher(text).find()) {
      reason =
          repository.sshKey() != null
              ? "authentication failed; check that the SSH key is authorised for the repository"
              : "authentication failed; check the repository's credentials";
    } else if (text.contains("host key") || text.contains("known_hosts")) {
      reason = "the server's host key is not trusted; add it to ~/.ssh/known_hosts";
    } else if (text.contains("noremoterepositoryexception")
        || text.contains("not found")
        || text.contains("not a git repository")
        || text.contains("does not appear to be a git repository")
        || text.contains("invalid remote")) {
      reason = "no repository there; check the clone-url";
    } else if (text.contains("unknownhost")
        || text.contains("connection refused")
        || text.contains("timed out")
        || text.contains("connect")) {
      reason =
          "cannot reach the server (" + rootMessage(e) + "); check the clone-url and the network";
    } else {
      reason = rootMessage(e) + "; check the clone-url and the repository's credentials";
    }
    return new GitException(
        mask(
            "cannot "
                + verb
                + " "
                + repository.name()
                + " from "
                + displayUrl(repository)
                + ": "
                + reason,
            repository),
        e);
  }
}
