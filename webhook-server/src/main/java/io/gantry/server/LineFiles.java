package io.gantry.server;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * The lines of one or more files read in order and numbered 1, 2, 3, … across them (a line ends at
 * '\n' only; an unfinished last line of a file is not a line), a batch at a time, as {@link
 * LogEvents}: how a follower catches up from a run's journal or a finished run's step files. The
 * file stays open between batches, so a follower reading a long journal reads it once; a journal
 * still being written is read as far as it is.
 */
final class LineFiles implements Closeable {

  private final List<Path> files;
  private final long offset;
  private int file = -1;
  private InputStream in;
  private final byte[] buffer = new byte[65536];
  private int position;
  private int limit;
  private byte[] line = new byte[256];
  private int lineSize;
  private long number;

  LineFiles(List<Path> files) {
    this(files, 0, 0);
  }

  /**
   * The lines of {@code files}, read from byte {@code offset} of the first, where line {@code
   * number + 1} starts (see {@link RunLog#mark}).
   */
  LineFiles(List<Path> files, long number, long offset) {
    this.files = files;
    this.number = number;
    this.offset = offset;
  }

  /**
   * Appends to {@code events} the lines after {@code after} up to {@code upTo}, at most {@code
   * max}; returns false once every line of every file has been read (a file still growing is read
   * again on the next call).
   */
  boolean read(long after, long upTo, int max, LogEvents events) throws IOException {
    int added = 0;
    while (number < upTo && added < max) {
      if (position == limit && !fill()) {
        if (file + 1 >= files.size()) {
          return false;
        }
        continue;
      }
      int newline = -1;
      for (int i = position; i < limit; i++) {
        if (buffer[i] == '\n') {
          newline = i;
          break;
        }
      }
      int end = newline < 0 ? limit : newline;
      if (number >= after) {
        keep(position, end - position);
      }
      position = newline < 0 ? limit : newline + 1;
      if (newline >= 0) {
        number++;
        if (number > after) {
          events.log(number, line, 0, lineSize);
          added++;
        }
        lineSize = 0;
      }
    }
    return true;
  }

  /** The number of the last line read. */
  long number() {
    return number;
  }

  /** Reads more of the current file, or opens the next; false when nothing more is there now. */
  private boolean fill() throws IOException {
    while (true) {
      if (in != null) {
        int n = in.read(buffer);
        if (n > 0) {
          position = 0;
          limit = n;
          return true;
        }
        if (file + 1 >= files.size()) {
          // The last file may still grow (a running run's journal): keep it open.
          return false;
        }
        in.close();
        in = null;
      }
      if (file + 1 >= files.size()) {
        return false;
      }
      file++;
      lineSize = 0;
      Path next = files.get(file);
      if (Files.exists(next)) {
        if (file == 0 && offset > 0) {
          java.nio.channels.SeekableByteChannel channel = Files.newByteChannel(next);
          channel.position(offset);
          in = java.nio.channels.Channels.newInputStream(channel);
        } else {
          in = Files.newInputStream(next);
        }
      }
    }
  }

  private void keep(int offset, int length) {
    if (lineSize + length > line.length) {
      line = Arrays.copyOf(line, Math.max(line.length * 2, lineSize + length));
    }
    System.arraycopy(buffer, offset, line, lineSize, length);
    lineSize += length;
  }

  @Override
  public void close() throws IOException {
    if (in != null) {
      in.close();
      in = null;
    }
  }
}
