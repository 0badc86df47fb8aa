package dev.pactfs.partner;

import dev.pactfs.store.S3Partner;
import java.io.EOFException;
import java.io.IOException;
import java.net.URI;
import java.nio.file.NoSuchFileException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.BucketVersioningStatus;
import software.amazon.awssdk.services.s3.model.CompletedMultipartUpload;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.ObjectLockEnabled;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/*
 * The partner copy as objects: the file <copy>/K/N of a directory partner is the object PREFIX/pactfs-<id>/K/N, so
 * `aws s3 sync` or `rclone` move a copy between a directory and a bucket and it still recovers (docs/format.md).
 *
 * Atomic publish comes from S3 itself: an object appears whole or not at all, for a single PUT and for a completed
 * multipart upload alike. Packs above PART_BYTES go up in parts (a retry resends one part, not the pack); an upload
 * that fails is aborted on the spot, and one left by a killed process is aborted by cleanup() on the next pass (the
 * multipart upload is the object store's temp file). Every PUT carries Content-MD5, which the server checks, so a
 * body damaged in transit is refused rather than stored under a content hash it does not match.
 *
 * No overwrite: save() first asks whether the name exists (names are content hashes, so an existing one holds the
 * same bytes); where the server honours If-None-Match: * (probed once, S3Capabilities), the PUT carries it too, so
 * a concurrent writer cannot replace an object between the check and the PUT.
 *
 * Errors: 404 is NoSuchFileException, 416 (range past the end) is EOFException, everything else an IOException
 * naming the key and the HTTP status (the SDK retries 5xx and throttling with backoff before that). Messages carry
 * no credentials: the SDK never puts the key into an exception.
 */

/** A {@link PartnerTarget} on an S3-API bucket (AWS, MinIO, Garage, Ceph RGW). */
final class S3Target implements PartnerTarget {

    /** Packs larger than this go up as a multipart upload of parts this size (S3's minimum part is 5 MiB). */
    static final int PART_BYTES = 8 << 20;
    /** Largest load into one array, in bytes (the JVM's array limit is a little under Integer.MAX_VALUE). */
    static final int MAX_LOAD_BYTES = Integer.MAX_VALUE - 8;

    private final S3Client s3;
    private final String bucket;
    /** Key prefix of the copy, ending in '/': PREFIX/pactfs-<id>/. */
    private final String root;
    private final int partBytes;
    private final SecureRandom random = new SecureRandom();
    private volatile S3Capabilities capabilities;

    S3Target(S3Client s3, String bucket, String root, int partBytes) {
        if (partBytes < 5 << 20) {
            throw new IllegalArgumentException("S3 parts are at least 5 MiB: " + partBytes);
        }
        this.s3 = s3;
        this.bucket = bucket;
        this.root = root;
        this.partBytes = partBytes;
    }

    /** A client for {@code partner}: path-style at its endpoint, Apache HTTP, credentials per {@link S3Credentials}. */
    static S3Client client(S3Partner partner) throws IOException {
        S3ClientBuilder b = S3Client.builder()
                .httpClientBuilder(ApacheHttpClient.builder()
                        .connectionTimeout(Duration.ofSeconds(10))
                        .socketTimeout(Duration.ofSeconds(60))
                        .maxConnections(16))
                .credentialsProvider(S3Credentials.provider(partner.credentialsFile()))
                .region(Region.of(partner.region() == null ? "us-east-1" : partner.region()))
                // Ceph, MinIO, Garage and s3proxy do not all take the SDK's default trailing checksums (aws-chunked
                // with a CRC trailer); a Content-MD5 on every PUT (below) checks the body in transit instead.
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
        if (partner.endpoint() != null) {
            b.endpointOverride(URI.create(partner.endpoint())).forcePathStyle(true);
        }
        try {
            return b.build();
        } catch (SdkException | IllegalArgumentException e) {
            throw new PartnerUnavailableException("cannot set up the S3 client for " + partner.uri() + ": "
                    + e.getMessage(), e);
        }
    }

    /** The ids of the copies under {@code partner}'s prefix: each "directory" {@code pactfs-<id>/} holding a config. */
    static List<String> copies(S3Partner partner) throws IOException {
        String prefix = partner.prefix().isEmpty() ? "" : partner.prefix() + "/";
        List<String> out = new ArrayList<>();
        try (S3Client s3 = client(partner)) {
            for (ListObjectsV2Response page : s3.listObjectsV2Paginator(ListObjectsV2Request.builder()
                    .bucket(partner.bucket()).prefix(prefix + "pactfs-").delimiter("/").build())) {
                for (var p : page.commonPrefixes()) {
                    String id = p.prefix().substring(prefix.length() + "pactfs-".length(), p.prefix().length() - 1);
                    if (!id.isEmpty() && !id.contains("/")) {
                        out.add(id);
                    }
                }
            }
        } catch (SdkException e) {
            throw new PartnerUnavailableException("S3 list of " + partner.uri() + " failed: " + e.getMessage(), e);
        }
        out.sort(null);
        return out;
    }

    String key(Kind kind, String name) {
        DirectoryTarget.checkName(kind, name);
        return root + switch (kind) {
            case CONFIG -> "config";
            case PACK -> "packs/" + name.substring(0, 2) + "/" + name;
            case INDEX -> "index/" + name;
            case SNAPSHOT -> "snapshots/" + name;
            case MANIFEST -> "manifests/" + name;
        };
    }

    private String dirPrefix(Kind kind) {
        return root + switch (kind) {
            case CONFIG -> throw new IllegalArgumentException("list of CONFIG");
            case PACK -> "packs/";
            case INDEX -> "index/";
            case SNAPSHOT -> "snapshots/";
            case MANIFEST -> "manifests/";
        };
    }

    @Override
    public void save(Kind kind, String name, byte[] data) throws IOException {
        String key = key(kind, name);
        if (exists(key)) {
            return;
        }
        boolean conditional = capabilities().conditionalPut();
        try {
            if (kind == Kind.PACK && data.length > partBytes) {
                multipart(key, data, conditional);
            } else {
                s3.putObject(r -> {
                    r.bucket(bucket).key(key).contentLength((long) data.length).contentMD5(md5(data, 0, data.length));
                    if (conditional) {
                        r.ifNoneMatch("*");
                    }
                }, RequestBody.fromBytes(data));
            }
        } catch (S3Exception e) {
            if (conditional && (e.statusCode() == 412 || e.statusCode() == 409)) {
                return; // a concurrent save of the same content won; the name is its hash
            }
            throw failure("upload", key, e);
        } catch (SdkException e) {
            throw failure("upload", key, e);
        }
    }

    private void multipart(String key, byte[] data, boolean conditional) throws IOException {
        String uploadId = s3.createMultipartUpload(r -> r.bucket(bucket).key(key)).uploadId();
        try {
            List<CompletedPart> parts = new ArrayList<>();
            for (int off = 0, n = 1; off < data.length; off += partBytes, n++) {
                int len = Math.min(partBytes, data.length - off);
                int partNumber = n;
                int from = off;
                String etag = s3.uploadPart(r -> r.bucket(bucket).key(key).uploadId(uploadId).partNumber(partNumber)
                                .contentLength((long) len).contentMD5(md5(data, from, len)),
                        RequestBody.fromRemainingByteBuffer(java.nio.ByteBuffer.wrap(data, from, len))).eTag();
                parts.add(CompletedPart.builder().partNumber(partNumber).eTag(etag).build());
            }
            s3.completeMultipartUpload(r -> {
                r.bucket(bucket).key(key).uploadId(uploadId)
                        .multipartUpload(CompletedMultipartUpload.builder().parts(parts).build());
                if (conditional) {
                    r.ifNoneMatch("*");
                }
            });
        } catch (RuntimeException e) { // SdkException too
            try {
                s3.abortMultipartUpload(r -> r.bucket(bucket).key(key).uploadId(uploadId));
            } catch (SdkException suppressed) {
                e.addSuppressed(suppressed); // left for cleanup() on the next pass
            }
            throw e;
        }
    }

    private boolean exists(String key) throws IOException {
        try {
            s3.headObject(r -> r.bucket(bucket).key(key));
            return true;
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return false;
            }
            throw failure("look up", key, e);
        } catch (SdkException e) {
            throw failure("look up", key, e);
        }
    }

    @Override
    public byte[] load(Kind kind, String name, long offset, int length) throws IOException {
        String key = key(kind, name);
        if (offset < 0) {
            throw new EOFException(location(key) + ": negative offset " + offset);
        }
        if (length == 0 || (offset > 0 && length < 0)) {
            // An empty or open-ended range: S3 cannot say "0 bytes at the end", so ask the size first.
            long size = stat(kind, name);
            long want = length < 0 ? size - offset : 0;
            if (offset > size) {
                throw new EOFException(location(key) + ": offset " + offset + " beyond size " + size);
            }
            if (want == 0) {
                return new byte[0];
            }
            if (want > MAX_LOAD_BYTES) {
                // Never clamp to an int: that returned the first 2 GiB as if they were the rest of the object.
                throw new IOException(location(key) + ": " + want + " bytes from offset " + offset + " of a " + size
                        + "-byte object do not fit one load; load it in ranges");
            }
            return get(key, offset, (int) want);
        }
        return get(key, offset, length);
    }

    /** {@code length} bytes at {@code offset} ({@code length < 0}: the whole object, offset 0). */
    private byte[] get(String key, long offset, int length) throws IOException {
        try {
            ResponseBytes<GetObjectResponse> got = s3.getObjectAsBytes(r -> {
                r.bucket(bucket).key(key);
                if (length >= 0) {
                    r.range("bytes=" + offset + "-" + (offset + length - 1));
                }
            });
            byte[] b = got.asByteArrayUnsafe();
            if (length >= 0 && b.length != length) {
                throw new EOFException(location(key) + ": range " + offset + "+" + length + " beyond the object's end ("
                        + b.length + " bytes came)");
            }
            return b;
        } catch (S3Exception e) {
            if (e.statusCode() == 416) {
                throw new EOFException(location(key) + ": range " + offset + "+" + length + " beyond the object's end");
            }
            throw failure("download", key, e);
        } catch (SdkException e) {
            throw failure("download", key, e);
        }
    }

    @Override
    public long stat(Kind kind, String name) throws IOException {
        String key = key(kind, name);
        try {
            return s3.headObject(r -> r.bucket(bucket).key(key)).contentLength();
        } catch (SdkException e) {
            throw failure("look up", key, e);
        }
    }

    @Override
    public List<String> list(Kind kind) throws IOException {
        return new ArrayList<>(sizes(kind).keySet());
    }

    /** One listing: S3 returns each object's size with its name. Keys not in the copy's layout are left out. */
    @Override
    public SortedMap<String, Long> sizes(Kind kind) throws IOException {
        String prefix = dirPrefix(kind);
        SortedMap<String, Long> out = new TreeMap<>();
        try {
            for (ListObjectsV2Response page : s3.listObjectsV2Paginator(
                    ListObjectsV2Request.builder().bucket(bucket).prefix(prefix).build())) {
                for (S3Object o : page.contents()) {
                    String name = o.key().substring(o.key().lastIndexOf('/') + 1);
                    if (isName(name) && o.key().equals(key(kind, name))) {
                        out.put(name, o.size());
                    }
                }
            }
        } catch (SdkException e) {
            throw failure("list", prefix, e);
        }
        return out;
    }

    private static boolean isName(String n) {
        return n.length() == 64 && n.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
    }

    @Override
    public void delete(Kind kind, String name) throws IOException {
        String key = key(kind, name);
        try {
            s3.deleteObject(r -> r.bucket(bucket).key(key));
        } catch (S3Exception e) {
            if (e.statusCode() != 404) {
                throw failure("delete", key, e);
            }
        } catch (SdkException e) {
            throw failure("delete", key, e);
        }
    }

    /** Aborts the multipart uploads under the copy that interrupted saves left (S3's temp files). */
    @Override
    public int cleanup() throws IOException {
        int n = 0;
        try {
            for (var page : s3.listMultipartUploadsPaginator(r -> r.bucket(bucket).prefix(root))) {
                for (MultipartUpload u : page.uploads()) {
                    s3.abortMultipartUpload(r -> r.bucket(bucket).key(u.key()).uploadId(u.uploadId()));
                    n++;
                }
            }
        } catch (S3Exception e) {
            if (e.statusCode() == 501) {
                return 0; // a server without multipart listing; it expires unfinished uploads itself
            }
            throw failure("clean up", root, e);
        } catch (SdkException e) {
            throw failure("clean up", root, e);
        }
        return n;
    }

    /**
     * What the bucket enforces, probed on first use: a probe object is PUT twice with {@code If-None-Match: *} (the
     * second must be refused) and deleted; object lock and versioning are read from the bucket's settings.
     */
    S3Capabilities capabilities() throws IOException {
        S3Capabilities c = capabilities;
        if (c == null) {
            c = new S3Capabilities(probeConditionalPut(), probeObjectLock(), probeVersioning());
            capabilities = c;
        }
        return c;
    }

    private boolean probeConditionalPut() throws IOException {
        byte[] r = new byte[8];
        random.nextBytes(r);
        String key = root + ".probe-" + HexFormat.of().formatHex(r);
        byte[] body = "pactfs probe\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        try {
            s3.putObject(p -> p.bucket(bucket).key(key).ifNoneMatch("*"), RequestBody.fromBytes(body));
            try {
                s3.putObject(p -> p.bucket(bucket).key(key).ifNoneMatch("*"), RequestBody.fromBytes(body));
                return false; // the header was ignored: the second PUT overwrote
            } catch (S3Exception e) {
                return e.statusCode() == 412 || e.statusCode() == 409;
            } finally {
                s3.deleteObject(d -> d.bucket(bucket).key(key));
            }
        } catch (S3Exception e) {
            if (e.statusCode() >= 500 && e.statusCode() != 501) {
                throw failure("probe", key, e);
            }
            return false; // 400/501: the server does not take the header
        } catch (SdkException e) {
            throw failure("probe", key, e);
        }
    }

    private boolean probeObjectLock() {
        try {
            var lock = s3.getObjectLockConfiguration(r -> r.bucket(bucket)).objectLockConfiguration();
            return lock != null && lock.objectLockEnabled() == ObjectLockEnabled.ENABLED;
        } catch (SdkException e) {
            return false; // not configured, not implemented, or not ours to read: not a protection we can count on
        }
    }

    private boolean probeVersioning() {
        try {
            return s3.getBucketVersioning(r -> r.bucket(bucket)).status() == BucketVersioningStatus.ENABLED;
        } catch (SdkException e) {
            return false;
        }
    }

    @Override
    public long usableSpace() {
        return -1; // a bucket has no free space to ask for; quotas, where set, show as failed uploads
    }

    @Override
    public String location() {
        return "s3://" + bucket + "/" + root.substring(0, root.length() - 1);
    }

    private String location(String key) {
        return "s3://" + bucket + "/" + key;
    }

    @Override
    public void close() {
        s3.close();
    }

    /** 404 as "not found", everything else as "the partner could not be reached or read", naming the key. */
    private IOException failure(String what, String key, SdkException e) {
        if (e instanceof S3Exception s && s.statusCode() == 404) {
            NoSuchFileException n = new NoSuchFileException(location(key));
            n.initCause(e);
            return n;
        }
        String why = e instanceof S3Exception s
                ? "HTTP " + s.statusCode() + (s.awsErrorDetails() != null && s.awsErrorDetails().errorCode() != null
                        ? " " + s.awsErrorDetails().errorCode() : "")
                : String.valueOf(e.getMessage());
        return new PartnerUnavailableException("S3 " + what + " of " + location(key) + " failed: " + why, e);
    }

    private static String md5(byte[] data, int off, int len) {
        try {
            MessageDigest md = MessageDigest.getInstance("MD5");
            md.update(data, off, len);
            return Base64.getEncoder().encodeToString(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("no MD5 in this JVM", e);
        }
    }
}
