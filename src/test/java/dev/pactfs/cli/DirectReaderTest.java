package dev.pactfs.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link DirectReader} returns a file's bytes exactly, through O_DIRECT where allowed and plain reads where not. */
class DirectReaderTest {

    @TempDir
    Path tmp;

    @Test
    void readsEveryByteDirectlyOnADiskFilesystem() throws IOException {
        // A size that is no multiple of the block size nor of the read size: the last direct read is short.
        byte[] data = random(3 * DirectReader.READ_BYTES + 4096 * 5 + 123);
        Path file = Files.write(tmp.resolve("f"), data);
        try (DirectReader r = DirectReader.open(file, 0)) {
            Assumptions.assumeTrue(r.direct(), "this filesystem refuses O_DIRECT: " + Files.getFileStore(file).type());
            assertArrayEquals(data, readAll(r, 77_777));
        }
    }

    @Test
    void startsAtAnAlignedOffset() throws IOException {
        byte[] data = random(2 * DirectReader.READ_BYTES + 999);
        Path file = Files.write(tmp.resolve("f"), data);
        long from = DirectReader.align(file, data.length / 2);
        assertEquals(0, from % DirectReader.blockSize(file));
        assertTrue(from <= data.length / 2 && from > data.length / 2 - DirectReader.blockSize(file));
        try (DirectReader r = DirectReader.open(file, from)) {
            assertArrayEquals(Arrays.copyOfRange(data, (int) from, data.length), readAll(r, DirectReader.READ_BYTES));
        }
    }

    @Test
    void unalignedStartOrTmpfsFallsBackToPlainReads() throws IOException {
        byte[] data = random(DirectReader.READ_BYTES + 5000);
        Path file = Files.write(tmp.resolve("f"), data);
        try (DirectReader r = DirectReader.open(file, 17)) {
            assertFalse(r.direct(), "an unaligned start cannot be read directly");
            assertArrayEquals(Arrays.copyOfRange(data, 17, data.length), readAll(r, 4096));
        }
        Path shm = Path.of("/dev/shm");
        Assumptions.assumeTrue(Files.isDirectory(shm) && Files.isWritable(shm), "no /dev/shm");
        Path onTmpfs = Files.createTempFile(shm, "pactfs-direct", ".bin");
        try {
            Files.write(onTmpfs, data);
            try (DirectReader r = DirectReader.open(onTmpfs, 0)) {
                assertArrayEquals(data, readAll(r, 100_000));
            }
        } finally {
            Files.deleteIfExists(onTmpfs);
        }
    }

    @Test
    @org.junit.jupiter.api.Timeout(20)
    void closingBeforeTheEndStopsTheReadAhead() throws IOException {
        byte[] data = random(8 * DirectReader.READ_BYTES);
        Path file = Files.write(tmp.resolve("f"), data);
        for (int i = 0; i < 20; i++) {
            try (DirectReader r = DirectReader.open(file, 0)) {
                byte[] head = new byte[1000];
                assertEquals(head.length, r.read(head, 0, head.length));
                assertArrayEquals(Arrays.copyOf(data, head.length), head);
            }
        }
        long threads = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("pactfs-read-ahead")).count();
        assertEquals(0, threads, "no read-ahead thread outlives its reader");
    }

    @Test
    void aShortUnalignedDirectReadBeforeTheEndGoesOnThroughThePageCache() throws IOException {
        // A filesystem may answer a direct read with fewer bytes than asked (NFS, some FUSE filesystems), and then the
        // next direct read would have to start off a block boundary: the reader must neither stop there (a silently
        // truncated backup) nor fail.
        byte[] data = random(3 * DirectReader.READ_BYTES + 777);
        Path file = Files.write(tmp.resolve("f"), data);
        // 10 000 bytes: off a block boundary, so the reader must switch; 8 192: aligned, so it goes on directly.
        for (int max : new int[] {10_000, 8192}) {
            FileChannel shortReads = new ShortReadChannel(FileChannel.open(file, StandardOpenOption.READ), max);
            try (DirectReader r = new DirectReader(file, shortReads, 4096, true, 0)) {
                assertArrayEquals(data, readAll(r, 65_536), "reads of at most " + max);
            }
            assertFalse(shortReads.isOpen());
        }
    }

    @Test
    void aRefusedDirectReadIsReadAgainThroughThePageCache() throws IOException {
        byte[] data = random(2 * DirectReader.READ_BYTES + 4096 * 3);
        Path file = Files.write(tmp.resolve("f"), data);
        ShortReadChannel refusing = new ShortReadChannel(FileChannel.open(file, StandardOpenOption.READ), Integer.MAX_VALUE);
        refusing.refuse = true; // EINVAL, as for a buffer alignment the filesystem wants but does not report
        try (DirectReader r = new DirectReader(file, refusing, 4096, true, 0)) {
            assertArrayEquals(data, readAll(r, 100_000));
        }
    }

    /** A channel whose positional reads return at most {@code max} bytes, or fail while {@code refuse} is set. */
    private static final class ShortReadChannel extends FileChannel {
        private final FileChannel in;
        private final int max;
        boolean refuse;

        ShortReadChannel(FileChannel in, int max) {
            this.in = in;
            this.max = max;
        }

        @Override
        public int read(ByteBuffer dst, long position) throws IOException {
            if (refuse) {
                throw new IOException("Invalid argument");
            }
            ByteBuffer part = dst.slice();
            part.limit(Math.min(part.remaining(), max));
            int n = in.read(part, position);
            if (n > 0) {
                dst.position(dst.position() + n);
            }
            return n;
        }

        @Override
        public long size() throws IOException {
            return in.size();
        }

        @Override
        protected void implCloseChannel() throws IOException {
            in.close();
        }

        // Not used by DirectReader.
        @Override
        public int read(ByteBuffer dst) {
            throw new UnsupportedOperationException();
        }

        @Override
        public long read(ByteBuffer[] dsts, int offset, int length) {
            throw new UnsupportedOperationException();
        }

        @Override
        public int write(ByteBuffer src) {
            throw new UnsupportedOperationException();
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) {
            throw new UnsupportedOperationException();
        }

        @Override
        public long position() {
            throw new UnsupportedOperationException();
        }

        @Override
        public FileChannel position(long newPosition) {
            throw new UnsupportedOperationException();
        }

        @Override
        public FileChannel truncate(long size) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void force(boolean metaData) {
            throw new UnsupportedOperationException();
        }

        @Override
        public long transferTo(long position, long count, WritableByteChannel target) {
            throw new UnsupportedOperationException();
        }

        @Override
        public long transferFrom(ReadableByteChannel src, long position, long count) {
            throw new UnsupportedOperationException();
        }

        @Override
        public int write(ByteBuffer src, long position) {
            throw new UnsupportedOperationException();
        }

        @Override
        public MappedByteBuffer map(MapMode mode, long position, long size) {
            throw new UnsupportedOperationException();
        }

        @Override
        public FileLock lock(long position, long size, boolean shared) {
            throw new UnsupportedOperationException();
        }

        @Override
        public FileLock tryLock(long position, long size, boolean shared) {
            throw new UnsupportedOperationException();
        }
    }

    @Test
    void anEmptyFileEndsAtOnce() throws IOException {
        Path file = Files.write(tmp.resolve("empty"), new byte[0]);
        try (DirectReader r = DirectReader.open(file, 0)) {
            assertEquals(-1, r.read(new byte[10], 0, 10));
            assertEquals(-1, r.read(new byte[10], 0, 10));
        }
    }

    private static byte[] readAll(DirectReader r, int piece) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[piece];
        int n;
        while ((n = r.read(buf, 0, buf.length)) > 0) {
            assertTrue(n == piece || r.read(new byte[1], 0, 1) == -1, "a short read only at the end");
            out.write(buf, 0, n);
        }
        assertEquals(-1, r.read(buf, 0, buf.length), "stays at the end");
        return out.toByteArray();
    }

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        new SplittableRandom(n).nextBytes(b);
        return b;
    }
}
