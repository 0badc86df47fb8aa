package dev.pactfs.partner;

/**
 * What an S3 partner's bucket enforces, probed once per target (docs/design.md, "Partner on an object store").
 * A server that refuses a probe or answers it with an error is taken not to enforce that protection: status says
 * so rather than claiming a protection that is not there.
 *
 * @param conditionalPut a second {@code PUT} with {@code If-None-Match: *} of an existing key is refused (412), so
 *                       no object can be overwritten by a write of pactfs
 * @param objectLock     the bucket has object lock enabled (objects can be given a retention period)
 * @param versioning     the bucket keeps object versions (a delete or overwrite leaves the older version)
 */
public record S3Capabilities(boolean conditionalPut, boolean objectLock, boolean versioning) {

    /** One line for {@code status}: which protections are active. */
    public String describe() {
        return "no-overwrite (If-None-Match) " + (conditionalPut ? "on" : "off") + ", object lock "
                + (objectLock ? "on" : "off") + ", versioning " + (versioning ? "on" : "off");
    }
}
