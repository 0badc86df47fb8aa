package dev.pactfs.partner;

import dev.pactfs.store.S3Partner;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Properties;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A real S3 server for tests: s3proxy in this JVM on 127.0.0.1 (a free port), over jclouds' filesystem backend in
 * {@code dir}, so a bucket's objects are files under {@code dir/BUCKET/} (a test can compare or damage them), with
 * one access key. Close it in {@code finally}/{@code @AfterEach}.
 */
final class S3ProxyFixture implements AutoCloseable {

    static final String ACCESS_KEY = "pactfs-test-access";
    static final String SECRET_KEY = "pactfs-test-secret-do-not-log";

    final Path dir;
    private final S3Proxy proxy;
    private final BlobStoreContext context;
    final URI endpoint;

    private S3ProxyFixture(Path dir, BlobStoreContext context, S3Proxy proxy, URI endpoint) {
        this.dir = dir;
        this.context = context;
        this.proxy = proxy;
        this.endpoint = endpoint;
    }

    static S3ProxyFixture start(Path dir) throws Exception {
        return start(dir, 0);
    }

    /** On {@code port} (0: any free one); a restart on the same port and directory finds the same objects. */
    static S3ProxyFixture start(Path dir, int port) throws Exception {
        Files.createDirectories(dir);
        Properties p = new Properties();
        p.setProperty("jclouds.filesystem.basedir", dir.toString());
        BlobStoreContext ctx = ContextBuilder.newBuilder("filesystem").credentials("identity", "credential")
                .overrides(p).build(BlobStoreContext.class);
        S3Proxy proxy = S3Proxy.builder().blobStore(ctx.getBlobStore())
                .endpoint(URI.create("http://127.0.0.1:" + port))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
                .build();
        proxy.start();
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (!proxy.getState().equals("STARTED")) {
            if (System.nanoTime() > deadline) {
                proxy.stop();
                throw new IllegalStateException("s3proxy did not start: " + proxy.getState());
            }
            Thread.sleep(20);
        }
        return new S3ProxyFixture(dir, ctx, proxy, URI.create("http://127.0.0.1:" + proxy.getPort()));
    }

    int port() {
        return proxy.getPort();
    }

    /** Creates {@code bucket}. */
    void createBucket(String bucket) {
        try (S3Client c = client()) {
            c.createBucket(b -> b.bucket(bucket));
        }
    }

    /** A raw client with the test key, for damaging or inspecting objects behind pactfs's back. */
    S3Client client() {
        return S3Client.builder().httpClientBuilder(ApacheHttpClient.builder())
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
                .region(Region.US_EAST_1).endpointOverride(endpoint).forcePathStyle(true)
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED).build();
    }

    /** An owner-only AWS credentials file with the test key, as {@code --s3-credentials-file} takes. */
    static Path credentialsFile(Path file) throws IOException {
        Files.deleteIfExists(file);
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, "[default]\naws_access_key_id = " + ACCESS_KEY + "\naws_secret_access_key = "
                + SECRET_KEY + "\n");
        return file;
    }

    /** The partner {@code s3://bucket/prefix} at this server, with the credentials in {@code credentials}. */
    S3Partner partner(String bucket, String prefix, Path credentials) {
        return S3Partner.parse("s3://" + bucket + "/" + prefix, endpoint.toString(), "us-east-1", credentials);
    }

    @Override
    public void close() throws Exception {
        try {
            proxy.stop();
        } finally {
            context.close();
        }
    }
}
