/**
 * Cron lines as GitHub's {@code on.schedule} reads them: five fields (minute, hour, day of month,
 * month, day of week) in UTC, with lists, ranges, steps and month/day names. {@link
 * io.gantry.runner.cron.Cron#parse} validates a line; {@link io.gantry.runner.cron.Cron#next} gives
 * its next fire time. Depends on nothing else of Gantry.
 */
package io.gantry.runner.cron;
