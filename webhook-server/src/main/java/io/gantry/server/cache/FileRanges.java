package io.gantry.server.cache;

import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Serves a file whole or, for a {@code Range: bytes=START-[END]} request, the part asked for (206
 * with {@code Content-Range}), so a download cut off can continue where it stopped. Streamed, never
 * read into memory. One range per request; a range past the end gets 416 with the file's size.
 */
public final class FileRanges {

  private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-(\\d*)");

  private FileRanges() {}

  public static void serve(Context ctx, Path file, String contentType) throws IOException {
    long size = Files.size(file);
    ctx.header("Accept-Ranges", "bytes");
    ctx.contentType(contentType);
    String range = ctx.header("Range");
    Matcher m = range == null ? null : RANGE.matcher(range.strip());
    if (m == null || !m.matches()) {
      ctx.header("Content-Length", String.valueOf(size));
      ctx.result(Files.newInputStream(file));
      return;
    }
    long start = Long.parseLong(m.group(1));
    long end = m.group(2).isEmpty() ? size - 1 : Math.min(Long.parseLong(m.group(2)), size - 1);
    if (start >= size || end < start) {
      ctx.status(416);
      ctx.header("Content-Range", "bytes */" + size);
      ctx.json(
          Map.of(
              "error",
              "range_not_satisfiable",
              "message",
              "range " + range + " is outside the file's " + size + " bytes"));
      return;
    }
    InputStream in = Files.newInputStream(file);
    long skipped = in.skip(start);
    if (skipped != start) {
      in.close();
      throw new IOException("cannot seek to " + start + " in " + file.getFileName());
    }
    ctx.status(206);
    ctx.header("Content-Range", "bytes " + start + "-" + end + "/" + size);
    ctx.header("Content-Length", String.valueOf(end - start + 1));
    ctx.result(new Bounded(in, end - start + 1));
  }

  /** At most {@code left} bytes of a stream. */
  private static final class Bounded extends java.io.FilterInputStream {
    private long left;

    Bounded(InputStream in, long left) {
      super(in);
      this.left = left;
    }

    @Override
    public int read() throws IOException {
      if (left <= 0) {
        return -1;
      }
      int b = super.read();
      if (b >= 0) {
        left--;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (left <= 0) {
        return -1;
      }
      int n = super.read(b, off, (int) Math.min(len, left));
      if (n > 0) {
        left -= n;
      }
      return n;
    }
  }
}
