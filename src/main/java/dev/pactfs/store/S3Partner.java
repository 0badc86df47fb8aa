package dev.pactfs.store;

import java.nio.file.Path;

/**
 * A partner on an object store: {@code s3://BUCKET/PREFIX}, reached at {@code endpoint} (path-style; null: AWS's
 * own endpoint for {@code region}). The copy lives under {@code PREFIX/pactfs-<repo-id>/}, laid out exactly as the
 * copy directory of a directory partner (docs/format.md). No secret is held here: credentials come from the
 * environment, {@code ~/.aws/credentials}, or the owner-only file {@code credentialsFile} (null: not used).
 *
 * @param bucket          the bucket name
 * @param prefix          key prefix without leading or trailing slash ("" for the bucket's top)
 * @param endpoint        the S3 endpoint URL (MinIO, Garage, Ceph RGW), or null
 * @param region          the signing region, or null (us-east-1)
 * @param credentialsFile an AWS credentials file readable only by its owner, or null
 */
public record S3Partner(String bucket, String prefix, String endpoint, String region, Path credentialsFile) {

    public static final String SCHEME = "s3://";

    public S3Partner {
        if (bucket == null || bucket.isEmpty() || bucket.contains("/")) {
            throw new IllegalArgumentException("an S3 partner needs a bucket: s3://BUCKET/PREFIX");
        }
        prefix = prefix == null ? "" : strip(prefix);
    }

    /** Whether {@code partner} (as given to --partner or read from a config) names an S3 partner. */
    public static boolean isUri(String partner) {
        return partner != null && partner.startsWith(SCHEME);
    }

    /** Parses {@code s3://BUCKET[/PREFIX]}; the other settings come from their own options. */
    public static S3Partner parse(String uri, String endpoint, String region, Path credentialsFile) {
        if (!isUri(uri)) {
            throw new IllegalArgumentException("not an s3:// URI: " + uri);
        }
        String rest = uri.substring(SCHEME.length());
        int slash = rest.indexOf('/');
        String bucket = slash < 0 ? rest : rest.substring(0, slash);
        String prefix = slash < 0 ? "" : rest.substring(slash + 1);
        for (String part : strip(prefix).split("/")) {
            if (part.equals("..") || part.equals(".")) {
                throw new IllegalArgumentException("an S3 prefix with '" + part + "' in it: " + uri);
            }
        }
        return new S3Partner(bucket, prefix, blankToNull(endpoint), blankToNull(region), credentialsFile);
    }

    /** {@code s3://BUCKET/PREFIX}, as the repo's config and messages name it. */
    public String uri() {
        return SCHEME + bucket + (prefix.isEmpty() ? "" : "/" + prefix);
    }

    /** The key prefix of repo {@code repoId}'s copy, ending in a slash: {@code PREFIX/pactfs-<id>/}. */
    public String copyPrefix(String repoId) {
        return (prefix.isEmpty() ? "" : prefix + "/") + "pactfs-" + repoId + "/";
    }

    /** The same partner with {@code prefix} instead (recover given the copy itself). */
    public S3Partner withPrefix(String newPrefix) {
        return new S3Partner(bucket, newPrefix, endpoint, region, credentialsFile);
    }

    private static String strip(String p) {
        int a = 0;
        int b = p.length();
        while (a < b && p.charAt(a) == '/') {
            a++;
        }
        while (b > a && p.charAt(b - 1) == '/') {
            b--;
        }
        return p.substring(a, b);
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }
}
