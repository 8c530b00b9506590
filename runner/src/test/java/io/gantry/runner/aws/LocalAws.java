package io.gantry.runner.aws;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiFunction;

/**
 * A stand-in for AWS STS and ECR on 127.0.0.1, for tests only: AWS itself cannot be reached here.
 * It speaks the real wire protocols the AWS SDK speaks (STS: the query protocol, a form-encoded
 * POST answered in XML; ECR: JSON 1.1 with {@code X-Amz-Target}) and checks every request as AWS
 * does: the SigV4 signature is recomputed with the caller's secret key, the credential scope must
 * name the right service, a session's token must come along, and unknown keys are refused with
 * AWS's error codes. Every request is recorded for the tests to inspect.
 *
 * <p>One server answers both services, told apart by protocol, so one {@code AWS_ENDPOINT_URL}
 * covers a whole job.
 */
public final class LocalAws implements AutoCloseable {

  public static final String ECR_TARGET =
      "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken";
  private static final String STS_NS = "https://sts.amazonaws.com/doc/2011-06-15/";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A known identity: an IAM user's keys, or the temporary keys of an assumed role. */
  public record Principal(
      String accessKeyId,
      String secretAccessKey,
      String sessionToken,
      String account,
      String arn,
      String userId) {}

  /** One request as the server saw it. */
  public record Call(
      String service,
      String action,
      Map<String, String> params,
      Map<String, Object> json,
      SigV4.Authorization authorization,
      Map<String, List<String>> headers,
      int status,
      String errorCode) {}

  /** What ECR issued for one registry. */
  public record EcrLogin(
      String registryId, String proxyEndpoint, String username, String password) {}

  private final HttpServer server;
  private final SecureRandom random = new SecureRandom();
  private final Map<String, Principal> principals = new ConcurrentHashMap<>();
  private final Map<String, String> roles = new ConcurrentHashMap<>(); // role ARN -> external id
  private final Map<String, String> webIdentityTokens = new ConcurrentHashMap<>(); // token -> sub
  private final List<Call> calls = new CopyOnWriteArrayList<>();
  private final List<EcrLogin> ecrLogins = new CopyOnWriteArrayList<>();
  private volatile boolean getCallerIdentity = true;
  private volatile int ecrFailureStatus;
  private volatile BiFunction<String, String, String> proxyEndpoint =
      (registryId, region) -> "https://" + registryId + ".dkr.ecr." + region + ".amazonaws.com";

  private LocalAws(HttpServer server) {
    this.server = server;
  }

  public static LocalAws start() throws IOException {
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    LocalAws aws = new LocalAws(server);
    server.createContext("/", aws::handle);
    server.start();
    return aws;
  }

  public URI endpoint() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  @Override
  public void close() {
    server.stop(0);
  }

  /** Adds an IAM user with long-term keys; returns it. */
  public Principal addUser(String accessKeyId, String secret, String account, String name) {
    Principal user =
        new Principal(
            accessKeyId,
            secret,
            null,
            account,
            "arn:aws:iam::" + account + ":user/" + name,
            "AIDA" + accessKeyId.substring(Math.max(0, accessKeyId.length() - 12)));
    principals.put(accessKeyId, user);
    return user;
  }

  /** Lets any known principal assume {@code roleArn} (with that external id, when not null). */
  public void addRole(String roleArn, String externalId) {
    roles.put(roleArn, externalId == null ? "" : externalId);
  }

  /** Accepts {@code token} in AssumeRoleWithWebIdentity. */
  public void acceptWebIdentityToken(String token, String subject) {
    webIdentityTokens.put(token, subject);
  }

  /** Makes STS answer GetCallerIdentity with {@code InvalidAction}, as a partial endpoint would. */
  public void withoutGetCallerIdentity() {
    getCallerIdentity = false;
  }

  /** Makes ECR answer every call with this HTTP status (a 5xx the SDK retries); 0 to stop. */
  public void failEcrWith(int status) {
    ecrFailureStatus = status;
  }

  /** Where ECR says each registry is, from registry id and region. */
  public void proxyEndpoint(BiFunction<String, String, String> endpoint) {
    this.proxyEndpoint = endpoint;
  }

  public List<Call> calls() {
    return List.copyOf(calls);
  }

  public List<Call> calls(String action) {
    return calls.stream().filter(c -> action.equals(c.action())).toList();
  }

  /** The principal behind a key the server issued or knows. */
  public Principal principal(String accessKeyId) {
    return principals.get(accessKeyId);
  }

  public List<EcrLogin> ecrLogins() {
    return List.copyOf(ecrLogins);
  }

  /** An AWS error: status, code and message, rendered in the protocol of the service. */
  private static final class AwsError extends Exception {
    private static final long serialVersionUID = 1L;
    public final int status;
    public final String code;

    public AwsError(int status, String code, String message) {
      super(message, null, false, false);
      this.status = status;
      this.code = code;
    }
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      byte[] body = exchange.getRequestBody().readAllBytes();
      Map<String, List<String>> headers = new LinkedHashMap<>();
      exchange
          .getRequestHeaders()
          .forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), List.copyOf(v)));
      List<String> target = headers.get("x-amz-target");
      if (target != null) {
        ecr(exchange, headers, body, target.get(0));
      } else {
        sts(exchange, headers, body);
      }
    } catch (RuntimeException e) {
      // A bug in the stand-in must show as a failed request, not as a hang.
      exchange.sendResponseHeaders(500, -1);
    }
  }

  // ---- STS: query protocol ----

  private void sts(HttpExchange exchange, Map<String, List<String>> headers, byte[] body)
      throws IOException {
    Map<String, String> params = form(new String(body, StandardCharsets.UTF_8));
    String action = params.getOrDefault("Action", "");
    String xml;
    try {
      if (!exchange.getRequestMethod().equals("POST")
          || !first(headers, "content-type").startsWith("application/x-www-form-urlencoded")) {
        throw new AwsError(400, "InvalidRequest", "STS expects a form-encoded POST");
      }
      if (!"2011-06-15".equals(params.get("Version"))) {
        throw new AwsError(400, "InvalidParameterValue", "Version must be 2011-06-15");
      }
      xml =
          switch (action) {
            case "GetCallerIdentity" -> {
              Principal caller = authenticate(exchange, headers, body, "sts");
              if (!getCallerIdentity) {
                throw new AwsError(
                    400, "InvalidAction", "Could not find operation GetCallerIdentity");
              }
              yield "<GetCallerIdentityResult><Arn>"
                  + esc(caller.arn())
                  + "</Arn><UserId>"
                  + esc(caller.userId())
                  + "</UserId><Account>"
                  + caller.account()
                  + "</Account></GetCallerIdentityResult>";
            }
            case "AssumeRole" -> assumeRole(authenticate(exchange, headers, body, "sts"), params);
            case "AssumeRoleWithWebIdentity" -> assumeRoleWithWebIdentity(headers, params);
            default ->
                throw new AwsError(400, "InvalidAction", "Could not find operation " + action);
          };
    } catch (AwsError e) {
      record("sts", action, params, null, headers, e.status, e.code);
      send(
          exchange,
          e.status,
          "text/xml",
          "<ErrorResponse xmlns=\""
              + STS_NS
              + "\"><Error><Type>Sender</Type><Code>"
              + e.code
              + "</Code><Message>"
              + esc(e.getMessage())
              + "</Message></Error><RequestId>"
              + UUID.randomUUID()
              + "</RequestId></ErrorResponse>");
      return;
    }
    record("sts", action, params, null, headers, 200, null);
    send(
        exchange,
        200,
        "text/xml",
        "<"
            + action
            + "Response xmlns=\""
            + STS_NS
            + "\">"
            + xml
            + "<ResponseMetadata><RequestId>"
            + UUID.randomUUID()
            + "</RequestId></ResponseMetadata></"
            + action
            + "Response>");
  }

  private String assumeRole(Principal caller, Map<String, String> params) throws AwsError {
    String roleArn = params.getOrDefault("RoleArn", "");
    String externalId = roles.get(roleArn);
    if (externalId == null
        || (!externalId.isEmpty() && !externalId.equals(params.get("ExternalId")))) {
      throw new AwsError(
          403,
          "AccessDenied",
          "User: "
              + caller.arn()
              + " is not authorized to perform: sts:AssumeRole on resource: "
              + roleArn);
    }
    return "<AssumeRoleResult>" + issue(roleArn, params) + "</AssumeRoleResult>";
  }

  private String assumeRoleWithWebIdentity(
      Map<String, List<String>> headers, Map<String, String> params) throws AwsError {
    if (headers.containsKey("authorization")) {
      throw new AwsError(400, "InvalidRequest", "AssumeRoleWithWebIdentity is not signed");
    }
    String subject = webIdentityTokens.get(params.getOrDefault("WebIdentityToken", ""));
    if (subject == null) {
      throw new AwsError(400, "InvalidIdentityToken", "The web identity token is not valid");
    }
    if (!roles.containsKey(params.getOrDefault("RoleArn", ""))) {
      throw new AwsError(
          403, "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity");
    }
    return "<AssumeRoleWithWebIdentityResult><SubjectFromWebIdentityToken>"
        + esc(subject)
        + "</SubjectFromWebIdentityToken>"
        + issue(params.get("RoleArn"), params)
        + "<Provider>local</Provider><Audience>sts.amazonaws.com</Audience>"
        + "</AssumeRoleWithWebIdentityResult>";
  }

  /** Issues temporary keys for a role session, remembers them, and renders them as STS does. */
  private String issue(String roleArn, Map<String, String> params) {
    String account = roleArn.split(":")[4];
    String roleName = roleArn.substring(roleArn.lastIndexOf('/') + 1);
    String session = params.getOrDefault("RoleSessionName", "");
    int duration = Integer.parseInt(params.getOrDefault("DurationSeconds", "3600"));
    String keyId = "ASIA" + token(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567");
    String secret = token(40, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/");
    String sessionToken = "IQoJb3JpZ2luX2Vj" + token(120, "abcdefghijklmnopqrstuvwxyz0123456789");
    String roleId = "AROA" + token(17, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567");
    String arn = "arn:aws:sts::" + account + ":assumed-role/" + roleName + "/" + session;
    principals.put(
        keyId, new Principal(keyId, secret, sessionToken, account, arn, roleId + ":" + session));
    Instant expiration = Instant.now().plusSeconds(duration).truncatedTo(ChronoUnit.SECONDS);
    return "<Credentials><AccessKeyId>"
        + keyId
        + "</AccessKeyId><SecretAccessKey>"
        + esc(secret)
        + "</SecretAccessKey><SessionToken>"
        + sessionToken
        + "</SessionToken><Expiration>"
        + expiration
        + "</Expiration></Credentials><AssumedRoleUser><AssumedRoleId>"
        + roleId
        + ":"
        + esc(session)
        + "</AssumedRoleId><Arn>"
        + esc(arn)
        + "</Arn></AssumedRoleUser>";
  }

  // ---- ECR: JSON 1.1 ----

  private void ecr(
      HttpExchange exchange, Map<String, List<String>> headers, byte[] body, String target)
      throws IOException {
    String action = target.substring(target.indexOf('.') + 1);
    Map<String, Object> json = Map.of();
    try {
      if (!exchange.getRequestMethod().equals("POST")
          || !first(headers, "content-type").startsWith("application/x-amz-json-1.1")) {
        throw new AwsError(400, "SerializationException", "ECR expects a JSON 1.1 POST");
      }
      @SuppressWarnings("unchecked")
      Map<String, Object> parsed = body.length == 0 ? Map.of() : JSON.readValue(body, Map.class);
      json = parsed;
      if (ecrFailureStatus != 0) {
        throw new AwsError(ecrFailureStatus, "ServerException", "injected failure");
      }
      Principal caller = authenticate(exchange, headers, body, "ecr");
      if (!target.equals(ECR_TARGET)) {
        throw new AwsError(400, "UnknownOperationException", "Unknown operation " + target);
      }
      String region = SigV4.parse(first(headers, "authorization")).region();
      Object ids = json.get("registryIds");
      List<String> registryIds = new ArrayList<>();
      if (ids instanceof List<?> list) {
        list.forEach(id -> registryIds.add(String.valueOf(id)));
      } else {
        registryIds.add(caller.account());
      }
      List<Map<String, Object>> data = new ArrayList<>();
      for (String registryId : registryIds) {
        String password =
            token(64, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789");
        String endpoint = proxyEndpoint.apply(registryId, region);
        ecrLogins.add(new EcrLogin(registryId, endpoint, "AWS", password));
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put(
            "authorizationToken",
            Base64.getEncoder()
                .encodeToString(("AWS:" + password).getBytes(StandardCharsets.UTF_8)));
        entry.put("expiresAt", Instant.now().plus(12, ChronoUnit.HOURS).getEpochSecond());
        entry.put("proxyEndpoint", endpoint);
        data.add(entry);
      }
      record("ecr", action, Map.of(), json, headers, 200, null);
      send(
          exchange,
          200,
          "application/x-amz-json-1.1",
          JSON.writeValueAsString(Map.of("authorizationData", data)));
    } catch (AwsError e) {
      record("ecr", action, Map.of(), json, headers, e.status, e.code);
      exchange.getResponseHeaders().add("x-amzn-ErrorType", e.code);
      send(
          exchange,
          e.status,
          "application/x-amz-json-1.1",
          JSON.writeValueAsString(Map.of("__type", e.code, "message", e.getMessage())));
    }
  }

  // ---- shared ----

  /** Checks the SigV4 signature as AWS does and returns the caller. */
  private Principal authenticate(
      HttpExchange exchange, Map<String, List<String>> headers, byte[] body, String service)
      throws AwsError {
    boolean json = service.equals("ecr");
    SigV4.Authorization auth = SigV4.parse(first(headers, "authorization"));
    if (auth == null) {
      throw new AwsError(
          json ? 400 : 403,
          "MissingAuthenticationToken",
          "Request is missing Authentication Token");
    }
    Principal caller = principals.get(auth.accessKeyId());
    String sessionToken = first(headers, "x-amz-security-token");
    if (caller == null
        || (caller.sessionToken() != null && !caller.sessionToken().equals(sessionToken))) {
      throw new AwsError(
          json ? 400 : 403,
          json ? "UnrecognizedClientException" : "InvalidClientTokenId",
          "The security token included in the request is invalid.");
    }
    if (!auth.service().equals(service)) {
      throw new AwsError(
          403,
          "SignatureDoesNotMatch",
          "Credential should be scoped to correct service: '" + service + "'.");
    }
    boolean valid =
        SigV4.verify(
            auth,
            caller.secretAccessKey(),
            exchange.getRequestMethod(),
            exchange.getRequestURI().getRawPath(),
            exchange.getRequestURI().getRawQuery(),
            headers,
            body);
    if (!valid) {
      throw new AwsError(
          json ? 400 : 403,
          json ? "InvalidSignatureException" : "SignatureDoesNotMatch",
          "The request signature we calculated does not match the signature you provided."
              + " Check your AWS Secret Access Key and signing method.");
    }
    return caller;
  }

  private void record(
      String service,
      String action,
      Map<String, String> params,
      Map<String, Object> json,
      Map<String, List<String>> headers,
      int status,
      String code) {
    calls.add(
        new Call(
            service,
            action,
            params,
            json,
            SigV4.parse(first(headers, "authorization")),
            headers,
            status,
            code));
  }

  private static String first(Map<String, List<String>> headers, String name) {
    List<String> values = headers.get(name);
    return values == null || values.isEmpty() ? "" : values.get(0);
  }

  private static Map<String, String> form(String body) {
    Map<String, String> params = new LinkedHashMap<>();
    for (String pair : body.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      params.put(
          URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8),
          eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
    }
    return params;
  }

  private static void send(HttpExchange exchange, int status, String type, String text)
      throws IOException {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("Content-Type", type);
    exchange.getResponseHeaders().add("x-amzn-RequestId", UUID.randomUUID().toString());
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  private String token(int length, String alphabet) {
    StringBuilder s = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      s.append(alphabet.charAt(random.nextInt(alphabet.length())));
    }
    return s.toString();
  }

  private static String esc(String s) {
    return s.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\"", "&quot;");
  }
}
