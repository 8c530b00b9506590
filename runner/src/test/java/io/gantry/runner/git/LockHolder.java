package io.gantry.runner.git;

import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Another process holding a mirror's lock file for a while, as a second Gantry would. */
public final class LockHolder {
  public static void main(String[] args) throws Exception {
    try (FileChannel channel =
        FileChannel.open(Path.of(args[0]), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      FileLock lock = channel.lock();
      System.out.println("locked");
      System.out.flush();
      Thread.sleep(Long.parseLong(args[1]));
      lock.release();
    }
  }
}
