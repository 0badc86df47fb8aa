package dev.pactfs.fuse;

import dev.pactfs.fs.PactFs;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import ru.serce.jnrfuse.struct.FuseFileInfo;

/**
 * Reads a file of a (throw-away) {@link PactFs} through {@link PactFuse}'s own open/read/release, with a native
 * buffer and file-info struct as libfuse would pass them: the mount warm-up uses it so that the FUSE read path —
 * the adapter, the copy into native memory, the file layer and the store behind them — is compiled before the
 * first real read (a cold read of 2 GB right after mounting had C2 compiling for ~19% of its CPU).
 */
public final class ReadRehearsal {

    private ReadRehearsal() {
    }

    /**
     * Reads {@code path} (absolute, in {@code fs}) front to back in requests of {@code requestBytes} (at most
     * FUSE's 128 KiB), again and again until {@code deadlineNanos} (System.nanoTime) or {@code maxPasses}; returns
     * the bytes read. Fails on any error.
     */
    public static long readThrough(PactFs fs, String path, int requestBytes, int maxPasses, long deadlineNanos) {
        if (requestBytes < 1 || requestBytes > FuseMount.MAX_WRITE_BYTES) {
            throw new IllegalArgumentException("request size " + requestBytes);
        }
        PactFuse fuse = new PactFuse(fs);
        Runtime runtime = Runtime.getSystemRuntime();
        Pointer buf = Memory.allocateDirect(runtime, FuseMount.MAX_WRITE_BYTES);
        long total = 0;
        for (int pass = 0; pass < maxPasses && System.nanoTime() < deadlineNanos; pass++) {
            FuseFileInfo fi = FuseFileInfo.of(Memory.allocateDirect(runtime, 64)); // struct fuse_file_info: 40 B
            fi.flags.set(PactFs.O_RDONLY);
            check(fuse.open(path, fi), "open", path);
            try {
                for (long off = 0; ; ) {
                    int n = fuse.read(path, buf, requestBytes, off, fi);
                    check(n, "read", path);
                    if (n == 0) {
                        break;
                    }
                    off += n;
                    total += n;
                }
            } finally {
                fuse.release(path, fi);
            }
        }
        return total;
    }

    private static void check(int result, String op, String path) {
        if (result < 0) {
            throw new IllegalStateException(op + " of " + path + " failed with errno " + -result);
        }
    }
}
