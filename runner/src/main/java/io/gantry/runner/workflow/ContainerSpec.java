package io.gantry.runner.workflow;

import java.util.List;
import java.util.Map;

/**
 * A job's {@code container:} or one of its {@code services:}, as written: every string may hold
 * {@code ${{ }}} (evaluated when the job starts). {@code options} are checked by {@link
 * ContainerOptions} when they hold no expression.
 *
 * @param image the image reference
 * @param username {@code credentials.username}, or null
 * @param password {@code credentials.password}, or null
 * @param ports {@code ports:} items as written: {@code CONTAINER}, {@code HOST:CONTAINER}, with an
 *     optional {@code /tcp} or {@code /udp}
 * @param volumes {@code volumes:} items as written: {@code SOURCE:DESTINATION[:OPTIONS]} or {@code
 *     DESTINATION}
 * @param options {@code options:} as written, or null
 */
public record ContainerSpec(
    String image,
    String username,
    String password,
    Map<String, String> env,
    List<String> ports,
    List<String> volumes,
    String options,
    Location location) {

  @Override
  public String toString() {
    // credentials are never printed
    return "ContainerSpec[" + image + ", ports=" + ports + ", volumes=" + volumes + "]";
  }
}
