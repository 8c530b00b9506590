/**
 * Forge adapters: how GitHub, Gitea, GitLab and Gantry's own post-receive hook sign, identify and
 * shape a webhook, and how each forge wants a commit status posted back.
 *
 * <p>The server's order is fixed by the security rules: {@link Forges#verifiedBy} over the raw
 * bytes first, then {@link Forge#parse}, then a check that the parsed repository is one of those
 * whose secret verified. Everything here is pure and thread-safe except {@link StatusSender} and
 * {@link PostReceiveClient}, the only classes that talk to the network.
 */
package io.gantry.server.forge;
