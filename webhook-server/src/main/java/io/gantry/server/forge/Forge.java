package io.gantry.server.forge;

/**
 * How one kind of forge signs, identifies and shapes its webhook deliveries.
 *
 * <p>Contract: implementations are stateless, thread-safe and pure (no I/O, no clock, no logging),
 * so the server shares one instance across all requests. Call order per delivery: {@link #verify}
 * (via {@link Forges#verifiedBy}) on the raw bytes <em>before</em> anything reads the body, then
 * {@link #deliveryId} and {@link #parse}. A false {@code verify} means 401 and nothing stored; a
 * {@link MalformedWebhookException} from {@code parse} means 400; neither ever includes the body or
 * the secret in its message.
 */
public interface Forge {

  /** The name used in configuration and in the hook path: {@code /hooks/<name>}. */
  String name();

  /**
   * Whether the delivery was signed with {@code secret}. Uses a constant-time comparison; a missing
   * or malformed header, or an empty secret, is false rather than an exception.
   */
  boolean verify(Headers headers, byte[] rawBody, String secret);

  /**
   * The forge's id for this delivery, for people and logs: {@code sha256:<hex of the body>} when
   * the forge sends none (and always for Gantry's own hook). Not what deduplicates deliveries,
   * since no forge signs it: see {@link Forges#replayKey}.
   */
  String deliveryId(Headers headers, byte[] rawBody);

  /** What the delivery means; only called once {@link #verify} has passed. */
  WebhookEvent parse(Headers headers, byte[] rawBody) throws MalformedWebhookException;
}
