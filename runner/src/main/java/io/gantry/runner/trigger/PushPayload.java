package io.gantry.runner.trigger;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A push event in the shape of GitHub's {@code push} webhook payload, which workflows read as
 * {@code github.event}: every forge adapter and {@code gantry run} build theirs here, so that the
 * same fields exist (and are null, not missing, when a forge does not say) whatever sent the push.
 *
 * <p>The fields, in GitHub's order: {@code ref}, {@code before}, {@code after}, {@code created},
 * {@code deleted}, {@code forced} (always false: no forge tells it reliably), {@code repository}
 * ({@code full_name}, {@code name}, {@code owner.login}, then what the forge adds), {@code pusher}
 * ({@code name}, and {@code email} when given), {@code sender.login} (the pusher's name), {@code
 * head_commit} (null when unknown) and {@code commits}.
 */
public final class PushPayload {

  private final String repository;
  private final String ref;
  private final String before;
  private final String after;
  private boolean created;
  private boolean deleted;
  private final Map<String, Object> repositoryFields = new LinkedHashMap<>();
  private final Map<String, Object> pusher = new LinkedHashMap<>();
  private Map<String, Object> headCommit;
  private List<Object> commits = List.of();

  private PushPayload(String repository, String ref, String before, String after) {
    this.repository = repository;
    this.ref = ref;
    this.before = before;
    this.after = after;
    pusher.put("name", null);
  }

  /**
   * A push of {@code ref} from {@code before} to {@code after} in {@code repository} (owner/name).
   */
  public static PushPayload of(String repository, String ref, String before, String after) {
    return new PushPayload(repository, ref, before, after);
  }

  /** Whether the push created the ref ({@code before} all zeros, or the forge says so). */
  public PushPayload created(boolean value) {
    created = value;
    return this;
  }

  /** Whether the push deleted the ref. */
  public PushPayload deleted(boolean value) {
    deleted = value;
    return this;
  }

  /**
   * A field of {@code repository} beyond its names ({@code clone_url}, {@code default_branch}…).
   */
  public PushPayload repositoryField(String key, Object value) {
    repositoryFields.put(key, value);
    return this;
  }

  /**
   * Who pushed: {@code pusher.name} and {@code sender.login} (null when the forge does not say).
   */
  public PushPayload pushedBy(String name) {
    pusher.put("name", name);
    return this;
  }

  /** Who pushed, with {@code pusher.email}. */
  public PushPayload pushedBy(String name, String email) {
    pusher.put("name", name);
    pusher.put("email", email);
    return this;
  }

  /** The pushed commits, oldest first, and the one {@code after} names (null when unknown). */
  public PushPayload commits(List<?> pushed, Map<String, Object> head) {
    commits = new ArrayList<>(pushed);
    headCommit = head;
    return this;
  }

  /** The payload: a fresh mutable map, in GitHub's field order. */
  public Map<String, Object> toMap() {
    Map<String, Object> payload = new LinkedHashMap<>();
    payload.put("ref", ref);
    payload.put("before", before);
    payload.put("after", after);
    payload.put("created", created);
    payload.put("deleted", deleted);
    payload.put("forced", false);
    Map<String, Object> repo = EventPayloads.repository(repository);
    repo.putAll(repositoryFields);
    payload.put("repository", repo);
    payload.put("pusher", new LinkedHashMap<>(pusher));
    Map<String, Object> sender = new LinkedHashMap<>();
    sender.put("login", pusher.get("name"));
    payload.put("sender", sender);
    payload.put("head_commit", headCommit);
    payload.put("commits", commits);
    return payload;
  }
}
