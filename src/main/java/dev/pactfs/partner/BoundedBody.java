package dev.pactfs.partner;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * A reply body collected into memory up to a bound: a host (a partner we do not trust) that sends more than the
 * request can legitimately return is cut off with {@link TooLargeException} instead of filling home's heap.
 */
final class BoundedBody implements HttpResponse.BodySubscriber<byte[]> {

    /** The host sent more than {@code max} bytes. */
    static final class TooLargeException extends IOException {
        TooLargeException(long max) {
            super("reply larger than " + max + " bytes");
        }
    }

    private final long max;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final CompletableFuture<byte[]> result = new CompletableFuture<>();
    private Flow.Subscription subscription;

    private BoundedBody(long max) {
        this.max = max;
    }

    static HttpResponse.BodyHandler<byte[]> handler(long max) {
        return info -> new BoundedBody(max);
    }

    @Override
    public CompletionStage<byte[]> getBody() {
        return result;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        subscription = s;
        s.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(List<ByteBuffer> items) {
        if (result.isDone()) {
            return;
        }
        for (ByteBuffer b : items) {
            if (out.size() + (long) b.remaining() > max) {
                subscription.cancel();
                result.completeExceptionally(new TooLargeException(max));
                return;
            }
            byte[] chunk = new byte[b.remaining()];
            b.get(chunk);
            out.writeBytes(chunk);
        }
    }

    @Override
    public void onError(Throwable t) {
        result.completeExceptionally(t);
    }

    @Override
    public void onComplete() {
        result.complete(out.toByteArray());
    }
}
