package io.gantry.runner.store;

import java.time.Instant;

/**
 * Webhook deliveries (table {@code deliveries}): each forge's delivery id recorded once, on the
 * disk before the webhook is answered. Used by the server's webhook endpoint.
 */
public interface Deliveries {

  /**
   * Records a webhook delivery once, and returns when it is on the disk (see {@link #syncToDisk}).
   *
   * @return false, storing nothing, when this forge already sent a delivery with this id
   */
  boolean recordDelivery(Delivery delivery);

  /**
   * Forces everything committed so far, by any caller, from the operating system's cache onto the
   * disk, so that it survives a power loss or an OS crash too (a commit alone survives the process
   * being killed). Blocks until then; concurrent callers share one sync. For a webhook's answer,
   * which promises the forge that the delivery and its runs are kept.
   *
   * @throws StoreException when the sync fails; what was committed may then not be on the disk
   */
  void syncToDisk();

  /**
   * Removes a recorded delivery whose runs could not be created, so that the forge's redelivery is
   * processed instead of ignored as a duplicate.
   */
  void forgetDelivery(String forge, String deliveryId);

  record Delivery(
      String forge, String deliveryId, String repository, String event, Instant receivedAt) {}
}
