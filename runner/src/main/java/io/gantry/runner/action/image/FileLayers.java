package io.gantry.runner.action.image;

import com.google.cloud.tools.jib.api.buildplan.AbsoluteUnixPath;
import com.google.cloud.tools.jib.api.buildplan.FileEntriesLayer;
import com.google.cloud.tools.jib.api.buildplan.FilePermissions;
import com.google.cloud.tools.jib.api.buildplan.FilePermissionsProvider;
import io.gantry.runner.action.image.ImageRequest.FileLayer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One {@code layers} item as a Jib layer. Every file gets the same modification time (Jib's epoch
 * plus one second) and owner (root), and permissions that do not depend on the umask of whoever
 * checked the files out, so the same files give the same layer digest anywhere.
 */
final class FileLayers {

  private static final FilePermissions EXECUTABLE = FilePermissions.fromOctalString("755");
  private static final FilePermissions PLAIN = FilePermissions.fromOctalString("644");

  private FileLayers() {}

  static FileEntriesLayer of(FileLayer layer, String name) throws IOException {
    FilePermissions mode =
        layer.mode() == null ? null : FilePermissions.fromOctalString(layer.mode());
    FilePermissionsProvider permissions =
        (source, target) -> {
          if (Files.isDirectory(source)) {
            return FilePermissions.DEFAULT_FOLDER_PERMISSIONS;
          }
          if (mode != null) {
            return mode;
          }
          return Files.isExecutable(source) ? EXECUTABLE : PLAIN;
        };
    AbsoluteUnixPath to = AbsoluteUnixPath.get(layer.to());
    Path from = layer.from();
    if (!Files.isDirectory(from) && layer.to().endsWith("/")) {
      to = to.resolve(from.getFileName().toString());
    }
    return FileEntriesLayer.builder()
        .setName(name)
        .addEntryRecursive(
            from, to, permissions, FileEntriesLayer.DEFAULT_MODIFICATION_TIME_PROVIDER)
        .build();
  }
}
