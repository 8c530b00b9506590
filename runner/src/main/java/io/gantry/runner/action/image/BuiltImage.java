package io.gantry.runner.action.image;

/**
 * An image built and pushed.
 *
 * @param image {@code repository:tag} with the first tag
 * @param digest the manifest's digest, {@code sha256:…}
 * @param imageRef {@code repository@sha256:…}, the reference that cannot move
 * @param stats what the build transferred
 */
public record BuiltImage(String image, String digest, String imageRef, Stats stats) {

  /**
   * What a build transferred.
   *
   * @param layersPushed layers uploaded to the target registry
   * @param layersPresent layers the target registry had already (or mounted from the base)
   * @param bytesPushed bytes uploaded, every blob including the container configuration
   * @param bytesPresent bytes of the layers that were not uploaded
   * @param baseLayersPulled base image layers downloaded into the layer cache
   * @param bytesPulled bytes downloaded
   * @param layersBuilt application layers built
   * @param layersReused application layers taken unchanged from the layer cache
   */
  public record Stats(
      int layersPushed,
      int layersPresent,
      long bytesPushed,
      long bytesPresent,
      int baseLayersPulled,
      long bytesPulled,
      int layersBuilt,
      int layersReused) {}
}
