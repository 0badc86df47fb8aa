package dev.pactfs.partner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectRequest;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Object sizes past 2^31 stay longs through S3Target: stat and the listing report them whole, and a load that
 * cannot fit one array is refused with the sizes, never clamped to an int (which returned the first 2 GiB as if
 * they were the whole rest). The S3 client is a stub answering HEAD, LIST and GET for one 5 GiB pack: nothing of
 * that size is allocated or stored.
 */
class S3LargeObjectTest {

    private static final long SIZE = 5L << 30;
    private static final String NAME = "ab".repeat(32);

    /** GET requests the stub saw, by their Range header. */
    private final List<String> ranges = new ArrayList<>();

    @Test
    void sizesPast2GiBAreLongsEndToEnd() throws Exception {
        S3Target t = new S3Target(stub(), "bucket", "copy/", S3Target.PART_BYTES);
        assertEquals(SIZE, t.stat(PartnerTarget.Kind.PACK, NAME));
        assertEquals(SIZE, t.sizes(PartnerTarget.Kind.PACK).get(NAME).longValue());

        IOException e = assertThrows(IOException.class, () -> t.load(PartnerTarget.Kind.PACK, NAME, 1, -1));
        assertTrue(e.getMessage().contains(String.valueOf(SIZE)), e.getMessage());
        assertEquals(List.of(), ranges, "no truncated range was requested");

        byte[] tail = t.load(PartnerTarget.Kind.PACK, NAME, SIZE - 16, -1);
        assertEquals(16, tail.length);
        assertEquals(List.of("bytes=" + (SIZE - 16) + "-" + (SIZE - 1)), ranges, "a range past 2^31, as a long");
    }

    private S3Client stub() {
        String key = "copy/packs/ab/" + NAME;
        InvocationHandler h = (proxy, m, args) -> {
            Object a = args != null && args.length == 1 ? args[0] : null;
            if (a instanceof HeadObjectRequest r && r.key().equals(key)) {
                return HeadObjectResponse.builder().contentLength(SIZE).build();
            }
            if (a instanceof ListObjectsV2Request && m.getName().equals("listObjectsV2")) {
                return ListObjectsV2Response.builder().isTruncated(false)
                        .contents(S3Object.builder().key(key).size(SIZE).build()).build();
            }
            if (a instanceof GetObjectRequest r && r.key().equals(key)) {
                ranges.add(r.range());
                String[] se = r.range().substring("bytes=".length()).split("-");
                long n = Long.parseLong(se[1]) - Long.parseLong(se[0]) + 1;
                if (n > 1 << 20) {
                    throw new IllegalStateException("the stub serves small ranges only, asked " + r.range());
                }
                return ResponseBytes.fromByteArray(GetObjectResponse.builder().contentLength(n).build(),
                        new byte[(int) n]);
            }
            if (m.isDefault()) {
                return InvocationHandler.invokeDefault(proxy, m, args); // a Consumer<Builder> form builds the request
            }
            throw new UnsupportedOperationException(m.toString());
        };
        return (S3Client) Proxy.newProxyInstance(S3Client.class.getClassLoader(), new Class<?>[] {S3Client.class}, h);
    }
}
