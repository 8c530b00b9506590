package io.gantry.server;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A run's log files read one after the other as one stream, each ending with a newline (a running
 * step's last line may not have one yet), and a lone newline when there is none, as the whole log's
 * text has always ended. Only one file is open at a time.
 */
final class LogFilesStream extends InputStream {

  private final List<Path> files;
  private int next;
  private InputStream current;
  private int last = '\n';
  private boolean any;
  private boolean done;

  LogFilesStream(List<Path> files) {
    this.files = files;
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] buffer, int offset, int length) throws IOException {
    if (length == 0) {
      return 0;
    }
    while (!done) {
      if (current == null) {
        if (next == files.size()) {
          done = true;
          if (!any) {
            buffer[offset] = '\n';
            return 1;
          }
          return -1;
        }
        current = Files.newInputStream(files.get(next++));
      }
      int n = current.read(buffer, offset, length);
      if (n > 0) {
        any = true;
        last = buffer[offset + n - 1];
        return n;
      }
      current.close();
      current = null;
      if (last != '\n') {
        last = '\n';
        buffer[offset] = '\n';
        return 1;
      }
    }
    return -1;
  }

  @Override
  public void close() throws IOException {
    done = true;
    if (current != null) {
      current.close();
      current = null;
    }
  }
}
