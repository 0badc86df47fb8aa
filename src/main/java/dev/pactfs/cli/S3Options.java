package dev.pactfs.cli;

import dev.pactfs.store.S3Partner;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * How to reach a partner given as {@code s3://BUCKET/PREFIX} (init, recover). No option takes a secret: the
 * access key comes from the environment, {@code ~/.aws/credentials}, or {@code --s3-credentials-file}.
 */
final class S3Options {

    @Option(names = "--s3-endpoint", paramLabel = "URL",
            description = "The S3 endpoint of a MinIO, Garage or Ceph RGW partner (path-style requests);"
                    + " without it, AWS's own for the region. Example: --s3-endpoint https://s3.partner.example:9000")
    String endpoint;

    @Option(names = "--s3-region", paramLabel = "REGION",
            description = "The signing region (default us-east-1; Garage: its s3_region, often garage).")
    String region;

    @Option(names = "--s3-credentials-file", paramLabel = "FILE",
            description = "An AWS credentials file ([default] aws_access_key_id, aws_secret_access_key) readable only"
                    + " by its owner, named in the repo's config. Without it: AWS_ACCESS_KEY_ID and"
                    + " AWS_SECRET_ACCESS_KEY, then ~/.aws/credentials.")
    Path credentialsFile;

    /** The S3 partner {@code partner} names, or null when it is a directory (or absent). */
    S3Partner partner(String partner) {
        if (!S3Partner.isUri(partner)) {
            if (endpoint != null || region != null || credentialsFile != null) {
                throw new UserError("--s3-endpoint, --s3-region and --s3-credentials-file need --partner s3://BUCKET/PREFIX");
            }
            return null;
        }
        try {
            return S3Partner.parse(partner, endpoint, region,
                    credentialsFile == null ? null : credentialsFile.toAbsolutePath());
        } catch (IllegalArgumentException e) {
            throw new UserError("--partner " + partner + ": " + e.getMessage());
        }
    }
}
