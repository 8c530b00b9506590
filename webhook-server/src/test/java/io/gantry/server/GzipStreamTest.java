package io.gantry.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.Random;
import java.util.zip.CRC32;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;

/**
 * The gzip streams of live log followers: parts deflated once each ({@link EventBytes}) and put
 * together per follower in any order and from any point ({@link GzipStream}) make a gzip stream
 * that the JDK's reader decodes byte for byte, its CRC-32 and length checked.
 */
class GzipStreamTest {

  @Test
  void crcOfTwoPartsCombinedIsTheCrcOfBoth() {
    Random random = new Random(17);
    for (int i = 0; i < 200; i++) {
      byte[] a = new byte[random.nextInt(5000)];
      byte[] b = new byte[i == 0 ? 0 : random.nextInt(70_000)];
      random.nextBytes(a);
      random.nextBytes(b);
      CRC32 whole = new CRC32();
      whole.update(a);
      whole.update(b);
      assertThat(Crc32s.combine(crc(a), crc(b), b.length)).isEqualTo((int) whole.getValue());
    }
  }

  @Test
  void sharedPartsMakeAWholeGzipStreamForEachFollower() throws Exception {
    List<EventBytes> parts =
        List.of(
            events(1, 3000, "line %d of a log, \u00e9t\u00e9 \u2713 <b>"),
            events(3001, 1, "x"),
            events(3002, 500, "%d"),
            new EventBytes(LogEvents.PING),
            events(
                3502,
                20_000,
                "another line %d with a longer text to compress, and more words after it"));
    // One follower from the first part, another from the third, each ending as a follower does.
    for (int from : new int[] {0, 2}) {
      GzipStream stream = new GzipStream();
      ByteArrayOutputStream sent = new ByteArrayOutputStream();
      ByteArrayOutputStream expected = new ByteArrayOutputStream();
      sent.write(GzipStream.HEADER);
      for (EventBytes part : parts.subList(from, parts.size())) {
        sent.write(stream.next(part));
        expected.write(part.plain());
      }
      EventBytes end = new EventBytes(LogEvents.end("success"));
      sent.write(stream.next(end));
      expected.write(end.plain());
      sent.write(stream.trailer());
      byte[] decoded =
          new GZIPInputStream(new ByteArrayInputStream(sent.toByteArray())).readAllBytes();
      assertThat(decoded).isEqualTo(expected.toByteArray());
      assertThat(sent.size()).isLessThan(expected.size() / 4);
    }
  }

  @Test
  void onlyAClientThatAcceptsGzipGetsIt() {
    assertThat(LogStream.acceptsGzip("gzip, deflate, br, zstd")).isTrue();
    assertThat(LogStream.acceptsGzip("deflate, GZIP;q=0.5")).isTrue();
    assertThat(LogStream.acceptsGzip("gzip;q=0")).isFalse();
    assertThat(LogStream.acceptsGzip("br, gzip ; q=0.0")).isFalse();
    assertThat(LogStream.acceptsGzip("identity")).isFalse();
    assertThat(LogStream.acceptsGzip("x-gzip")).isFalse();
    assertThat(LogStream.acceptsGzip(null)).isFalse();
  }

  private static EventBytes events(long first, int count, String format) {
    LogEvents events = new LogEvents(count * 64);
    for (int i = 0; i < count; i++) {
      events.log(first + i, String.format(format, first + i));
    }
    return new EventBytes(events.take());
  }

  private static int crc(byte[] bytes) {
    CRC32 crc = new CRC32();
    crc.update(bytes);
    return (int) crc.getValue();
  }
}
