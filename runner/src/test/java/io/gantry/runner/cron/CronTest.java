package io.gantry.runner.cron;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CronTest {

  @ParameterizedTest(name = "{0} after {1} fires at {2}")
  @CsvSource(
      delimiter = '|',
      value = {
        "*/15 * * * *     | 2026-12-06T04:07:30Z | 2026-12-06T04:15:00Z",
        "*/15 * * * *     | 2026-12-06T04:45:00Z | 2026-12-06T05:00:00Z",
        "0 3 * * *        | 2026-12-06T03:00:00Z | 2026-12-07T03:00:00Z",
        "30 9-17/4 * * *  | 2026-12-06T10:00:00Z | 2026-12-06T13:30:00Z",
        "0 0 1,15 * *     | 2026-12-02T00:00:00Z | 2026-12-15T00:00:00Z",
        "0 12 * JAN-MAR * | 2026-12-06T00:00:00Z | 2027-01-01T12:00:00Z",
        "0 8 * * MON-FRI  | 2026-12-05T09:00:00Z | 2026-12-07T08:00:00Z",
        "0 8 * * sat,7    | 2026-12-07T09:00:00Z | 2026-12-12T08:00:00Z",
        "0 0 13 * 5       | 2026-12-05T00:00:00Z | 2026-12-11T00:00:00Z",
        "0 0 29 2 *       | 2026-03-01T00:00:00Z | 2028-02-29T00:00:00Z",
        "5/20 * * * *     | 2026-12-06T04:26:00Z | 2026-12-06T04:45:00Z",
      })
  void nextIsTheFirstMatchingMinuteAfterInUtc(String line, String after, String expected)
      throws Exception {
    assertThat(Cron.parse(line).next(Instant.parse(after))).isEqualTo(Instant.parse(expected));
  }

  @Test
  void latestIsTheLastTickUpToNowSinceAnEarlierOne() throws Exception {
    Cron cron = Cron.parse("0 * * * *");
    assertThat(
            cron.latest(
                Instant.parse("2026-12-06T01:00:00Z"), Instant.parse("2026-12-06T05:10:00Z")))
        .isEqualTo(Instant.parse("2026-12-06T05:00:00Z"));
    assertThat(
            cron.latest(
                Instant.parse("2026-12-06T05:00:00Z"), Instant.parse("2026-12-06T05:59:00Z")))
        .isNull();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "61 * * * *     | 0 | the minute field '61' has 61, out of range; it takes 0-59, e.g. */15",
        "* 24 * * *     | 2 | the hour field '24' has 24, out of range; it takes 0-23, e.g. 9-17",
        "* * * FOO *    | 6 | the month field 'FOO' has value 'FOO' that is not a number; it takes"
            + " 1-12 or JAN-DEC, e.g. JAN-JUN",
        "* * * * MON-SUN| 8 | the day of week field 'MON-SUN' has range MON-SUN that runs"
            + " backwards; write it low-high; it takes 0-6 (0 is Sunday) or SUN-SAT, e.g. MON-FRI",
        "*/0 * * * *    | 0 | the minute field '*/0' has step 0; a step is 1 or more; it takes"
            + " 0-59, e.g. */15",
        "* * * *        | 7 | the cron line has 4 fields, the day of week field is missing; write"
            + " five: minute hour day-of-month month day-of-week",
        "0 0 30 2 *     | 4 | the day of month '30' never occurs in month '2', so this schedule"
            + " never fires; pick a day every chosen month has",
      })
  void aWrongFieldIsNamedWithItsPosition(String line, int offset, String message) {
    assertThatThrownBy(() -> Cron.parse(line))
        .isInstanceOf(CronException.class)
        .hasMessage(message)
        .extracting(e -> ((CronException) e).offset())
        .isEqualTo(offset);
  }

  @Test
  void macrosAndSecondsAreNotGitHubSyntax() {
    assertThatThrownBy(() -> Cron.parse("@daily"))
        .hasMessageContaining("'@daily' is not supported");
    assertThatThrownBy(() -> Cron.parse("0 0 0 * * *"))
        .hasMessageContaining("more than five fields ('*' is a sixth)");
  }
}
