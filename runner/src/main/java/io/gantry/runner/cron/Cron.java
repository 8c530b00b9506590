package io.gantry.runner.cron;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;

/**
 * One cron line of GitHub's {@code on.schedule}: {@code minute hour day-of-month month
 * day-of-week}, always in UTC. Each field is {@code *}, a value, a range {@code a-b}, a step {@code
 * x/n} (of {@code *}, a range or a start value) or a comma-separated list of those; months may be
 * written {@code JAN}–{@code DEC} and days {@code SUN}–{@code SAT} (and 7 is Sunday too). As in
 * POSIX cron, when both day fields are restricted a day matching either one fires. Immutable and
 * thread-safe.
 */
public final class Cron {

  private static final List<String> MONTHS =
      List.of("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC");
  private static final List<String> DAYS = List.of("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT");

  /** How far {@link #next} looks: a line that matches no day in this many years never fires. */
  private static final int HORIZON_YEARS = 8;

  private record Field(String name, int min, int max, List<String> names, String example) {}

  private static final List<Field> FIELDS =
      List.of(
          new Field("minute", 0, 59, List.of(), "0-59, e.g. */15"),
          new Field("hour", 0, 23, List.of(), "0-23, e.g. 9-17"),
          new Field("day of month", 1, 31, List.of(), "1-31, e.g. 1,15"),
          new Field("month", 1, 12, MONTHS, "1-12 or JAN-DEC, e.g. JAN-JUN"),
          new Field("day of week", 0, 7, DAYS, "0-6 (0 is Sunday) or SUN-SAT, e.g. MON-FRI"));

  private final String expression;
  private final BitSet minutes;
  private final BitSet hours;
  private final BitSet daysOfMonth;
  private final BitSet months;
  private final BitSet daysOfWeek;
  private final boolean anyDayOfMonth;
  private final boolean anyDayOfWeek;

  private Cron(String expression, BitSet[] sets, boolean anyDayOfMonth, boolean anyDayOfWeek) {
    this.expression = expression;
    this.minutes = sets[0];
    this.hours = sets[1];
    this.daysOfMonth = sets[2];
    this.months = sets[3];
    this.daysOfWeek = sets[4];
    this.anyDayOfMonth = anyDayOfMonth;
    this.anyDayOfWeek = anyDayOfWeek;
  }

  /**
   * Reads a cron line.
   *
   * @throws CronException naming the wrong field, its value and the values it takes, with the
   *     field's position in the line
   */
  public static Cron parse(String line) throws CronException {
    if (line == null || line.isBlank()) {
      throw new CronException(
          "the cron line is empty; write five fields: minute hour day-of-month month day-of-week,"
              + " e.g. '*/15 * * * *'",
          0);
    }
    if (line.strip().startsWith("@")) {
      throw new CronException(
          "'"
              + line.strip()
              + "' is not supported on GitHub; write five fields instead, e.g. '0 0 * * *' for"
              + " daily",
          line.indexOf('@'));
    }
    int[] starts = new int[6];
    String[] parts = new String[6];
    int count = 0;
    int i = 0;
    while (i < line.length()) {
      while (i < line.length() && Character.isWhitespace(line.charAt(i))) {
        i++;
      }
      if (i == line.length()) {
        break;
      }
      int start = i;
      while (i < line.length() && !Character.isWhitespace(line.charAt(i))) {
        i++;
      }
      if (count == 5) {
        throw new CronException(
            "the cron line has more than five fields ('"
                + line.substring(start, i)
                + "' is a sixth); GitHub has no seconds or years field: write minute hour"
                + " day-of-month month day-of-week",
            start);
      }
      starts[count] = start;
      parts[count++] = line.substring(start, i);
    }
    if (count < 5) {
      throw new CronException(
          "the cron line has "
              + count
              + " field"
              + (count == 1 ? "" : "s")
              + ", the "
              + FIELDS.get(count).name()
              + " field is missing; write five: minute hour day-of-month month day-of-week",
          line.length());
    }
    BitSet[] sets = new BitSet[5];
    for (int f = 0; f < 5; f++) {
      sets[f] = field(FIELDS.get(f), parts[f], starts[f]);
    }
    if (sets[4].get(7)) {
      sets[4].set(0);
      sets[4].clear(7);
    }
    Cron cron = new Cron(line.strip(), sets, parts[2].startsWith("*"), parts[4].startsWith("*"));
    if (cron.next(Instant.EPOCH.plus(365L * 30, ChronoUnit.DAYS)) == null) {
      throw new CronException(
          "the day of month '"
              + parts[2]
              + "' never occurs in month '"
              + parts[3]
              + "', so this schedule never fires; pick a day every chosen month has",
          starts[2]);
    }
    return cron;
  }

  private static BitSet field(Field field, String text, int offset) throws CronException {
    BitSet set = new BitSet(field.max() + 1);
    for (String item : text.split(",", -1)) {
      if (item.isEmpty()) {
        throw wrong(field, text, offset, "has an empty list item");
      }
      String range = item;
      int step = 1;
      int slash = item.indexOf('/');
      if (slash >= 0) {
        range = item.substring(0, slash);
        step = number(field, item.substring(slash + 1), text, offset, "step");
        if (step < 1) {
          throw wrong(field, text, offset, "has step 0; a step is 1 or more");
        }
      }
      int from;
      int to;
      if (range.equals("*")) {
        from = field.min();
        to = field.max() == 7 ? 6 : field.max();
      } else {
        int dash = range.indexOf('-');
        from = value(field, dash < 0 ? range : range.substring(0, dash), text, offset);
        int top = field.max() == 7 ? 6 : field.max();
        to =
            dash < 0
                ? (slash >= 0 ? top : from)
                : value(field, range.substring(dash + 1), text, offset);
        if (to < from) {
          throw wrong(
              field,
              text,
              offset,
              "has range " + range + " that runs backwards; write it low-high");
        }
      }
      for (int v = from; v <= to; v += step) {
        set.set(v);
      }
    }
    return set;
  }

  private static int value(Field field, String text, String whole, int offset)
      throws CronException {
    int named = field.names().indexOf(text.toUpperCase(Locale.ROOT));
    if (named >= 0) {
      return field.names() == MONTHS ? named + 1 : named;
    }
    int v = number(field, text, whole, offset, "value");
    if (v < field.min() || v > field.max()) {
      throw wrong(field, whole, offset, "has " + text + ", out of range");
    }
    return v;
  }

  private static int number(Field field, String text, String whole, int offset, String what)
      throws CronException {
    if (text.isEmpty() || text.length() > 4 || !text.chars().allMatch(Character::isDigit)) {
      throw wrong(field, whole, offset, "has " + what + " '" + text + "' that is not a number");
    }
    return Integer.parseInt(text);
  }

  private static CronException wrong(Field field, String text, int offset, String problem) {
    return new CronException(
        "the "
            + field.name()
            + " field '"
            + text
            + "' "
            + problem
            + "; it takes "
            + field.example(),
        offset);
  }

  /** The line as written (without surrounding spaces). */
  public String expression() {
    return expression;
  }

  /**
   * The first time strictly after {@code after} (whole minutes, UTC) at which this line fires, or
   * null when it fires on no day of the next {@value #HORIZON_YEARS} years.
   */
  public Instant next(Instant after) {
    LocalDateTime t =
        LocalDateTime.ofInstant(after, ZoneOffset.UTC)
            .truncatedTo(ChronoUnit.MINUTES)
            .plusMinutes(1);
    LocalDateTime limit = t.plusYears(HORIZON_YEARS);
    while (t.isBefore(limit)) {
      if (!months.get(t.getMonthValue())) {
        t = t.withDayOfMonth(1).toLocalDate().atStartOfDay().plusMonths(1);
      } else if (!dayMatches(t)) {
        t = t.toLocalDate().plusDays(1).atStartOfDay();
      } else if (!hours.get(t.getHour())) {
        t = t.truncatedTo(ChronoUnit.HOURS).plusHours(1);
      } else if (!minutes.get(t.getMinute())) {
        t = t.plusMinutes(1);
      } else {
        return t.toInstant(ZoneOffset.UTC);
      }
    }
    return null;
  }

  /**
   * The last time at or before {@code now} at which this line fired, no earlier than {@code since}
   * (exclusive); null when it did not fire in between.
   */
  public Instant latest(Instant since, Instant now) {
    Instant found = null;
    for (Instant t = next(since); t != null && !t.isAfter(now); t = next(t)) {
      found = t;
    }
    return found;
  }

  private boolean dayMatches(LocalDateTime t) {
    boolean dom = daysOfMonth.get(t.getDayOfMonth());
    boolean dow = daysOfWeek.get(t.getDayOfWeek().getValue() % 7);
    if (anyDayOfMonth || anyDayOfWeek) {
      return dom && dow;
    }
    return dom || dow;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Cron other && other.expression.equals(expression);
  }

  @Override
  public int hashCode() {
    return expression.hashCode();
  }

  @Override
  public String toString() {
    return expression;
  }
}
