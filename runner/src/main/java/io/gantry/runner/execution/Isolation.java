package io.gantry.runner.execution;

/**
 * Where a run's jobs execute: on this machine ({@link #HOST}), or every job in a job container of
 * {@code image} even when the workflow asks for none ({@code runner: {isolation: container, image:
 * …}} in {@code gantry.yml}). A job's own {@code container:} wins over the image; under isolation
 * its {@code volumes:} and those of its services may name volumes only, never host folders.
 *
 * @param image the job image under isolation; null on the host
 */
public record Isolation(String image) {

  /** Steps on this machine, as the server's user (no isolation). */
  public static final Isolation HOST = new Isolation(null);

  public Isolation {
    if (image != null && image.isBlank()) {
      throw new IllegalArgumentException("an isolation image must not be blank");
    }
  }

  /** Every job in a job container of {@code image}. */
  public static Isolation container(String image) {
    return new Isolation(image);
  }

  public boolean inContainer() {
    return image != null;
  }

  @Override
  public String toString() {
    return image == null ? "isolation: none" : "isolation: container (" + image + ")";
  }
}
