package io.gantry.runner.git;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.lib.StoredConfig;
import org.eclipse.jgit.transport.FetchResult;
import org.eclipse.jgit.transport.RefSpec;

/** How a mirror is cloned and fetched from its remote: every ref, the remote's HEAD followed. */
final class MirrorTransfers {

  /** Every ref of the forge, so any pushed commit (branches, tags, pull refs) is in the mirror. */
  static final RefSpec ALL_REFS = new RefSpec("+refs/*:refs/*");

  private MirrorTransfers() {}

  /**
   * Clones into a side folder and renames it into place, so a reader never sees half a mirror and a
   * crash mid-clone leaves nothing that looks like one.
   */
  static void cloneInto(Path mirror, RemoteRepository repository) throws GitException, IOException {
    Path partial = mirror.resolveSibling(mirror.getFileName() + ".partial");
    Folders.empty(partial);
    try (Git git = Git.init().setBare(true).setDirectory(partial.toFile()).call()) {
      StoredConfig config = git.getRepository().getConfig();
      config.setString("remote", "origin", "url", Credentials.displayUrl(repository));
      config.setString("remote", "origin", "fetch", ALL_REFS.toString());
      config.setBoolean("remote", "origin", "mirror", true);
      // Checkouts fetch exact commits from the mirror, not only branch tips.
      config.setBoolean("uploadpack", null, "allowAnySHA1InWant", true);
      // The clone's automatic gc runs before the rename, not in the background: a detached one
      // still held the side folder's gc.log.lock when the folder moved, and JGit logged a trace.
      // Later fetches (of the mirror in place) detach it again, off a push's path.
      config.setBoolean("gc", null, "autoDetach", false);
      config.save();
      followHead(git.getRepository(), fetch(git, repository, "clone"));
      config.unset("gc", null, "autoDetach");
      config.save();
    } catch (GitAPIException e) {
      throw new IOException(e.getMessage(), e);
    } catch (GitException e) {
      Folders.deleteTree(partial);
      throw e;
    }
    Files.move(partial, mirror, StandardCopyOption.ATOMIC_MOVE);
  }

  /** Fetches every ref into an open mirror. */
  static void fetchInto(Repository db, RemoteRepository repository)
      throws GitException, IOException {
    try (Git git = new Git(db)) {
      followHead(db, fetch(git, repository, "fetch"));
    }
  }

  /**
   * Points the mirror's HEAD where the remote's points (its default branch), at every sync: a
   * repository cloned while still empty advertised none, and a forge's default branch may change.
   */
  private static void followHead(Repository db, FetchResult result) throws IOException {
    Ref head = result.getAdvertisedRef(Constants.HEAD);
    if (head != null && head.isSymbolic()) {
      Ref current = db.exactRef(Constants.HEAD);
      String target = head.getTarget().getName();
      if (current == null
          || !current.isSymbolic()
          || !current.getTarget().getName().equals(target)) {
        db.updateRef(Constants.HEAD).link(target);
      }
    }
  }

  private static FetchResult fetch(Git git, RemoteRepository repository, String verb)
      throws GitException {
    try (Credentials credentials = Credentials.of(repository)) {
      return git.fetch()
          .setRemote(repository.cloneUrl())
          .setRefSpecs(ALL_REFS)
          .setRemoveDeletedRefs(true)
          .setCredentialsProvider(credentials.provider())
          .setTransportConfigCallback(credentials::configure)
          .setTimeout(Credentials.IDLE_TIMEOUT_SECONDS)
          .call();
    } catch (GitAPIException | RuntimeException e) {
      throw Credentials.transportFailure(verb, repository, e);
    }
  }
}
