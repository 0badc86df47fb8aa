package dev.pactfs.store;

import dev.pactfs.files.PrivateFiles;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/*
 * Why pack files and not H2 values: payloads in H2's MVStore grew the file to 2x the data written and wrote at
 * ~175 MB/s (FACTS.md); an append-only file writes at disk speed, its bytes on disk equal the bytes stored, and
 * compaction can return freed space exactly. H2 keeps only the index (docs/decisions/0001-local-pack-files.md).
 *
 * Geometry: a pack is a sequence of records; offsets are byte offsets from the start of the file.
 *   record = magic(4) "PkR1" | sealedLength(4, big-endian) | kind(1) | id(32) | sealed blob(sealedLength)
 * The header repeats the blob's id and kind so a pack can be re-indexed without the catalog and so a reader
 * can check it landed on the record it was told to read.
 *
 * Crash safety: a pack is only ever appended to by the process that created it; after a restart new records go
 * to a new pack, so a torn tail from a crash is dead space that compaction reclaims, never a corrupt record
 * that the index points to (the index row is committed only after the record is written).
 */

/**
 * The local payload files: append-only packs under {@code <repo>/packs/}, named by a decimal sequence number.
 *
 * <p>Thread-safe: appends are serialised on this object; positional reads run concurrently.
 */
final class LocalPacks implements Closeable {

    /** Bytes before the sealed blob in each record. */
    static final int RECORD_HEADER = 4 + 4 + 1 + 32;

    /** Record magic, "PkR1". */
    private static final int RECORD_MAGIC = 0x506b5231;

    /** A pack is closed for appends once it reaches this size (bytes): the unit of compaction. */
    static final long TARGET_PACK_BYTES = 128L * 1024 * 1024;

    /**
     * Free space kept back on the repo's file system, in bytes: appends fail with NoSpaceException before the
     * disk is full, so that H2 can always commit (it closes itself on a failed write) and compaction has room
     * to rewrite packs once files are deleted. 2% of the file system, at least 8 MiB, at most 256 MiB: always at
     * least 4 MiB more than the {@link SpaceReserve}, whose bytes user data must never take once it is released.
     */
    private final long reserveBytes;
    private final java.nio.file.FileStore fileStore;
    private final SpaceReserve spaceReserve;
    private final Path dir;
    /** Per reading thread: a direct buffer for records up to MAX_READ_BUFFER bytes (chunks are at most 1 MiB). */
    private static final ThreadLocal<ByteBuffer> READ_BUFFERS = new ThreadLocal<>();
    private static final int DEFAULT_READ_BUFFER = 1 << 20;
    private static final int MAX_READ_BUFFER = 2 << 20;
    private final ConcurrentHashMap<Long, FileChannel> readers = new ConcurrentHashMap<>();
    /** Packs appended to since the last sync. Guarded by {@code this}. */
    private final Set<Long> unsynced = new HashSet<>();
    /**
     * Full packs being forced to the device and closed by {@link #syncer}, by id. Guarded by {@code this}. An entry
     * leaves when its force is done; the pack leaves {@link #unsynced} too when the force succeeded.
     */
    private final Map<Long, Future<?>> retiring = new HashMap<>();
    /**
     * Forces full packs off the appenders' path: an fdatasync of a 128 MiB pack took ~65 ms here, during which every
     * put worker waited on this object's monitor (5 times per 2 GB of new data). One thread, so packs reach the
     * device in the order they were written.
     */
    private final ExecutorService syncer = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "pactfs-pack-sync");
        t.setDaemon(true);
        return t;
    });
    private FileChannel current;
    private long currentId = -1;
    private long currentSize;
    private long nextId;

    private final long targetPackBytes;

    LocalPacks(Path repoDir) throws IOException {
        this(repoDir, TARGET_PACK_BYTES);
    }

    /** With packs closed for appends at {@code targetPackBytes}: tests use small ones. */
    LocalPacks(Path repoDir, long targetPackBytes) throws IOException {
        this.targetPackBytes = targetPackBytes;
        this.dir = repoDir.resolve("packs");
        PrivateFiles.createDirectories(dir);
        long max = 0;
        for (long id : list().keySet()) {
            max = Math.max(max, id);
        }
        this.nextId = max + 1;
        this.fileStore = Files.getFileStore(dir);
        this.spaceReserve = SpaceReserve.of(repoDir);
        this.reserveBytes = Math.min(256L << 20, Math.max(8L << 20, fileStore.getTotalSpace() / 50));
    }

    /**
     * Free bytes compaction always leaves on the disk: room for the catalog to commit where the records it moved
     * now are (Catalog refuses a write transaction below 1 MiB free).
     */
    static final long COMPACTION_FLOOR = 2L << 20;

    /**
     * Bytes compaction may write now: the free space above {@link #COMPACTION_FLOOR}, after giving back the
     * {@link SpaceReserve} if that is what it takes to write {@code want} bytes.
     */
    long roomForCompaction(long want) throws IOException {
        long room = fileStore.getUsableSpace() - COMPACTION_FLOOR;
        if (room < want && spaceReserve.release() > 0) {
            room = fileStore.getUsableSpace() - COMPACTION_FLOOR;
        }
        return room;
    }

    /** The held-back margin for user data, in bytes (see {@link #reserveBytes}). */
    long marginBytes() {
        return reserveBytes;
    }

    /** The repo's space reserve file. */
    SpaceReserve spaceReserve() {
        return spaceReserve;
    }

    /** {@code bytes} in MiB with one decimal, for messages. */
    static String mib(long bytes) {
        return String.format(java.util.Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }

    /**
     * Cuts pack {@code packId} to its first {@code length} bytes and forces that to the device. Compaction empties
     * a pack from its end: every record from {@code length} on is dead or has been copied elsewhere, its copy synced
     * and the catalog's rows moved to it (and synced) before this is called. A reader still holding the old place
     * reads past the end, fails, and looks its row up again.
     */
    void truncate(long packId, long length) throws IOException {
        synchronized (this) {
            if (packId == currentId) {
                throw new IllegalStateException("pack " + packId + " is open for appends: it cannot be cut");
            }
        }
        try (FileChannel ch = FileChannel.open(path(packId), StandardOpenOption.WRITE)) {
            ch.truncate(length);
            ch.force(true);
        }
    }

    /** Where a record landed. */
    record Location(long packId, long offset) {
    }

    /** A record's header as found by {@link #records}: where the record starts, its kind, id and sealed length. */
    record Header(Location at, int kind, byte[] id, int sealedLength) {
    }

    /**
     * The headers of pack {@code packId}'s records in file order, without the catalog (recover reuses the records
     * an interrupted run left). Stops at the first header that is not a record's or whose record the file ends
     * inside of: the torn tail of a kill. The blobs themselves are not checked here.
     */
    List<Header> records(long packId) throws IOException {
        List<Header> out = new ArrayList<>();
        try (FileChannel ch = FileChannel.open(path(packId), StandardOpenOption.READ)) {
            long size = ch.size();
            ByteBuffer h = ByteBuffer.allocate(RECORD_HEADER);
            long pos = 0;
            while (readFully(ch, h.clear(), pos)) {
                h.flip();
                int sealedLength = h.getInt(4);
                if (h.getInt(0) != RECORD_MAGIC || sealedLength < 0 || pos + RECORD_HEADER + sealedLength > size) {
                    break;
                }
                byte[] id = new byte[32];
                h.get(9, id);
                out.add(new Header(new Location(packId, pos), h.get(8) & 0xff, id, sealedLength));
                pos += RECORD_HEADER + (long) sealedLength;
            }
        }
        return out;
    }

    /** Appends one record; the data is in the OS (survives kill -9) when this returns, not yet on the device. */
    synchronized Location append(int kind, byte[] id, byte[] sealed) throws IOException {
        return append(kind, id, sealed, false);
    }

    /**
     * As {@link #append(int, byte[], byte[])}; {@code mayUseReserve} lets compaction write into the free-space
     * reserve, since rewriting a pack is how the space of deleted data comes back.
     */
    synchronized Location append(int kind, byte[] id, byte[] sealed, boolean mayUseReserve) throws IOException {
        long want = RECORD_HEADER + (long) sealed.length;
        if (!mayUseReserve && fileStore.getUsableSpace() - want < reserveBytes) {
            throw new NoSpaceException("appending to a local pack: less than " + (reserveBytes >> 20)
                    + " MiB would stay free", null);
        }
        if (mayUseReserve && roomForCompaction(want) < want) {
            throw new NoSpaceException("compacting local packs: " + mib(want + COMPACTION_FLOOR) + " free needed, "
                    + mib(fileStore.getUsableSpace()) + " free", null);
        }
        if (current == null || currentSize >= targetPackBytes) {
            rotate();
        }
        ByteBuffer header = ByteBuffer.allocate(RECORD_HEADER);
        header.putInt(RECORD_MAGIC).putInt(sealed.length).put((byte) kind).put(id).flip();
        ByteBuffer[] bufs = {header, ByteBuffer.wrap(sealed)};
        long offset = currentSize;
        long written = 0;
        try {
            while (written < want) {
                written += current.write(bufs);
            }
        } catch (IOException e) {
            // A partial record may sit at the tail: never append after it, start a fresh pack next time.
            closeCurrent();
            throw e;
        }
        currentSize += want;
        unsynced.add(currentId);
        return new Location(currentId, offset);
    }

    /** Reads the sealed blob of the record at {@code loc}, checking its header against {@code kind} and {@code id}. */
    byte[] read(Location loc, int kind, byte[] id, int sealedLength) throws IOException {
        ByteBuffer buf = readBuffer(RECORD_HEADER + sealedLength);
        FileChannel ch = reader(loc.packId());
        try {
            if (!readFully(ch, buf, loc.offset())) {
                throw truncated(loc, id, RECORD_HEADER + sealedLength, ch.size());
            }
        } catch (ClosedChannelException e) {
            readers.remove(loc.packId(), ch);
            FileChannel again = reader(loc.packId());
            if (!readFully(again, buf.clear().limit(RECORD_HEADER + sealedLength), loc.offset())) {
                throw truncated(loc, id, RECORD_HEADER + sealedLength, again.size());
            }
        }
        buf.flip();
        int magic = buf.getInt();
        int len = buf.getInt();
        int k = buf.get();
        byte[] hid = new byte[32];
        buf.get(hid);
        if (magic != RECORD_MAGIC || len != sealedLength || k != kind || !java.util.Arrays.equals(hid, id)) {
            throw new StoreException("local pack " + path(loc.packId()) + ", record of blob " + hex(id) + " at offset "
                    + loc.offset() + ": record header does not match the index (magic " + Integer.toHexString(magic) + ", length "
                    + len + " expected " + sealedLength + ")");
        }
        byte[] sealed = new byte[sealedLength];
        buf.get(sealed);
        return sealed;
    }

    /**
     * A buffer of {@code size} bytes for one record read: the thread's direct buffer when it fits. FileChannel
     * reads into a heap buffer through a temporary direct one, so a heap buffer cost a zeroed allocation and a
     * second copy of every record read (~0.7 GB each per 2 GB read back).
     */
    private static ByteBuffer readBuffer(int size) {
        if (size > MAX_READ_BUFFER) {
            return ByteBuffer.allocate(size);
        }
        ByteBuffer b = READ_BUFFERS.get();
        if (b == null || b.capacity() < size) {
            b = ByteBuffer.allocateDirect(Math.max(size, DEFAULT_READ_BUFFER));
            READ_BUFFERS.set(b);
        }
        return b.clear().limit(size);
    }

    /** Fills {@code buf} from {@code pos} on; false when the file ends first. */
    private static boolean readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos);
            if (n < 0) {
                return false;
            }
            pos += n;
        }
        return true;
    }

    /** A record the pack file ends inside of: named by file and blob, so that `check` and `get` say where to look. */
    private StoreException truncated(Location loc, byte[] id, int recordLength, long fileSize) {
        return new StoreException("local pack " + path(loc.packId()) + " is truncated: it ends at byte " + fileSize
                + ", inside the record of blob " + hex(id) + " (offset " + loc.offset() + ", " + recordLength + " bytes)");
    }

    private static String hex(byte[] id) {
        return java.util.HexFormat.of().formatHex(id);
    }

    private FileChannel reader(long packId) throws IOException {
        FileChannel ch = readers.get(packId);
        if (ch != null) {
            return ch;
        }
        try {
            ch = FileChannel.open(path(packId), StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new StoreException("local pack " + packId + " is missing: " + path(packId));
        }
        FileChannel prev = readers.putIfAbsent(packId, ch);
        if (prev != null) {
            ch.close();
            return prev;
        }
        return ch;
    }

    /** Forces every pack appended to since the last sync to the device. */
    void sync() throws IOException {
        List<Long> ids;
        Map<Long, Future<?>> inFlight = new HashMap<>();
        FileChannel cur;
        long curId;
        synchronized (this) {
            ids = new ArrayList<>(unsynced);
            unsynced.clear();
            for (long id : ids) {
                Future<?> f = retiring.get(id);
                if (f != null) {
                    inFlight.put(id, f);
                }
            }
            cur = current;
            curId = currentId;
        }
        for (long id : ids) {
            Future<?> f = inFlight.get(id);
            if (f != null && forcedInBackground(f)) {
                continue;
            }
            if (id == curId && cur != null && cur.isOpen()) {
                cur.force(false);
            } else {
                try (FileChannel ch = FileChannel.open(path(id), StandardOpenOption.WRITE)) {
                    ch.force(false);
                } catch (NoSuchFileException e) {
                    // compacted away meanwhile: nothing to sync
                }
            }
        }
    }

    /** Whether full packs are still being forced in the background (tests). */
    synchronized boolean retiring() {
        return !retiring.isEmpty();
    }

    /** Pack ids present on disk with their sizes in bytes. */
    TreeMap<Long, Long> list() throws IOException {
        TreeMap<Long, Long> out = new TreeMap<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.pack")) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                try {
                    out.put(Long.parseLong(n.substring(0, n.length() - 5)), Files.size(p));
                } catch (NumberFormatException e) {
                    // not ours
                }
            }
        }
        return out;
    }

    /** The pack currently open for appends, or -1. */
    synchronized long currentPackId() {
        return currentId;
    }

    /** Closes the current pack: the next append starts a new one. */
    synchronized void closeForAppends() throws IOException {
        closeCurrent();
    }

    /** Deletes a pack whose records are all dead or relocated. */
    void delete(long packId) throws IOException {
        synchronized (this) {
            if (packId == currentId) {
                closeCurrent();
            }
            unsynced.remove(packId);
        }
        FileChannel ch = readers.remove(packId);
        if (ch != null) {
            ch.close();
        }
        Files.deleteIfExists(path(packId));
    }

    /** Total bytes of all packs. */
    long totalBytes() throws IOException {
        return list().values().stream().mapToLong(Long::longValue).sum();
    }

    /** Whether the syncer's force of a full pack succeeded (if not, the caller forces it again by its path). */
    private static boolean forcedInBackground(Future<?> f) throws IOException {
        try {
            f.get();
            return true;
        } catch (ExecutionException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while forcing a pack to the device");
        }
    }

    private void rotate() throws IOException {
        retireCurrent();
        currentId = nextId++;
        current = PrivateFiles.open(path(currentId), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        currentSize = 0;
    }

    /** Hands the full current pack to the syncer, which forces it (when appended to since the last sync) and closes it. */
    private void retireCurrent() {
        if (current == null) {
            return;
        }
        FileChannel ch = current;
        long id = currentId;
        boolean dirty = unsynced.contains(id);
        current = null;
        currentId = -1;
        retiring.put(id, syncer.submit(() -> {
            boolean forced = false;
            try {
                if (dirty) {
                    ch.force(false);
                }
                forced = true;
            } finally {
                ch.close();
                synchronized (this) {
                    retiring.remove(id);
                    if (forced) {
                        unsynced.remove(id);
                    }
                }
            }
            return null;
        }));
    }

    private void closeCurrent() throws IOException {
        if (current != null) {
            try {
                if (unsynced.remove(currentId)) {
                    current.force(false);
                }
            } finally {
                current.close();
                current = null;
                currentId = -1;
            }
        }
    }

    private Path path(long packId) {
        return dir.resolve(packId + ".pack");
    }

    @Override
    public void close() throws IOException {
        syncer.shutdown();
        try {
            if (!syncer.awaitTermination(60, java.util.concurrent.TimeUnit.SECONDS)) {
                throw new IOException("forcing full packs to the device took over 60 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while closing the packs");
        }
        // As before the syncer, close() leaves every pack forced: a full one whose background force failed is
        // forced again here (and the failure, if it persists, reported).
        try {
            sync();
        } finally {
            closeLocked();
        }
    }

    private synchronized void closeLocked() throws IOException {
        closeCurrent();
        for (FileChannel ch : readers.values()) {
            ch.close();
        }
        readers.clear();
    }
}
