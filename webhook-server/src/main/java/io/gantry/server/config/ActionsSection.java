package io.gantry.server.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code gantry.yml}'s {@code actions:} section: {@code sources}, {@code overrides}, {@code
 * builtin}, {@code node} and {@code cache-size}, each wrong value one line naming the key.
 */
final class ActionsSection {

  static final List<String> KEYS = List.of("sources", "overrides", "builtin", "node", "cache-size");

  private ActionsSection() {}

  static ServerConfig.Actions read(ConfigLoader c, Object section) throws ConfigException {
    if (section == null) {
      return ServerConfig.Actions.DEFAULTS;
    }
    String file = c.file();
    Map<String, Object> a = c.map(section, "actions", KEYS);
    List<String> sources = new ArrayList<>();
    Object list = a.getOrDefault("sources", List.of());
    if (!(list instanceof List<?> items)) {
      throw new ConfigException(
          file + ": actions.sources must be a list of git base URLs, e.g. [https://github.com]");
    }
    for (int i = 0; i < items.size(); i++) {
      Object item = items.get(i);
      String where = "actions.sources[" + i + "]";
      if (item == null || item instanceof Map<?, ?> || item instanceof List<?>) {
        throw new ConfigException(
            file + ": " + where + " must be a git base URL such as https://github.com");
      }
      String url = c.substitute(item.toString(), where);
      if (!url.matches("(https?|file|ssh|git)://.+")) {
        throw new ConfigException(
            file
                + ": "
                + where
                + " must be a git base URL (https://…, file:///…, ssh://…), got '"
                + url
                + "'");
      }
      sources.add(url);
    }
    Map<String, String> overrides = c.strings(a, "overrides", "actions");
    for (Map.Entry<String, String> e : overrides.entrySet()) {
      if (!e.getKey().matches("[^/\\s]+/[^/\\s]+")) {
        throw new ConfigException(
            file
                + ": actions.overrides."
                + e.getKey()
                + " must name an action repository as OWNER/REPO");
      }
      if (e.getValue().isBlank()) {
        throw new ConfigException(
            file
                + ": actions.overrides."
                + e.getKey()
                + " must be a repository URL or a local folder (file:///…)");
      }
    }
    java.util.Set<String> off = new java.util.TreeSet<>();
    for (Map.Entry<String, String> e : c.strings(a, "builtin", "actions").entrySet()) {
      String value = e.getValue();
      java.util.Set<String> builtIns =
          io.gantry.runner.action.builtin.BuiltInActions.registry().names();
      if (builtIns.stream().noneMatch(n -> n.equalsIgnoreCase(e.getKey()))) {
        throw new ConfigException(
            file
                + ": actions.builtin."
                + e.getKey()
                + " is no built-in action; built-in: "
                + String.join(", ", builtIns));
      }
      if (value.equals("false")) {
        off.add(e.getKey());
      } else if (!value.equals("true")) {
        throw new ConfigException(
            file
                + ": actions.builtin."
                + e.getKey()
                + " must be true or false (false runs the real action from the sources),"
                + " got '"
                + value
                + "'");
      }
    }
    String node = c.string(a, "node", "actions", null);
    long cacheBytes =
        a.containsKey("cache-size")
            ? c.size(a, "cache-size", "actions", ServerConfig.Actions.DEFAULTS.cacheBytes())
            : ServerConfig.Actions.DEFAULTS.cacheBytes();
    return new ServerConfig.Actions(List.copyOf(sources), overrides, off, node, cacheBytes);
  }
}
