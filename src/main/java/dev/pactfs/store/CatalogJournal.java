package dev.pactfs.store;

import dev.pactfs.files.PrivateFiles;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The catalog's statement journal ({@code catalog.journal}, docs/format.md "Catalog journal"): every writing catalog
 * transaction appended as one framed, checksummed record with one write(2) before it returns, while H2 itself runs
 * with a write delay and so commits in memory. What the daemon handed to the OS survives a kill -9 of it; a fsync
 * of this file ({@link #force}) makes every transaction so far survive a power loss.
 *
 * <p>Each record carries a sequence number; H2 stores the last one applied in its meta table in the same
 * transaction, so on open every record above it is replayed and one already in H2 is never applied twice. The
 * file is emptied (back to its header) only after H2 has put everything on the device (Catalog's checkpoint).
 *
 * <p>Thread-safety: appends and truncation are serialised by the caller (Catalog's commit lock); {@link #force}
 * may run at any time.
 */
final class CatalogJournal implements Closeable {

    /** The file name inside the repo directory. */
    static final String FILE_NAME = "catalog.journal";

    /** First bytes of the file: name and version of the format. */
    static final byte[] HEADER = "PACTJNL1".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    /** First bytes of every record. */
    static final int RECORD_MAGIC = 0x504A5243; // "PJRC"

    /** magic, payload length, sequence number. */
    static final int RECORD_HEAD = 4 + 4 + 8;

    /** Largest payload a record may hold (a bigger transaction commits synchronously instead: Catalog). */
    static final int MAX_PAYLOAD = 4 << 20;

    /** One record read back. */
    record Entry(long seq, byte[] payload, long offset) {
    }

    private final Path file;
    private final FileChannel channel;
    private long size;

    private CatalogJournal(Path file, FileChannel channel, long size) {
        this.file = file;
        this.channel = channel;
        this.size = size;
    }

    /** Opens (creating, owner-only) the journal in {@code repoDir}. */
    static CatalogJournal open(Path repoDir) throws IOException {
        Path file = repoDir.resolve(FILE_NAME);
        if (!Files.exists(file, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            PrivateFiles.createFile(file);
        }
        FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE,
                java.nio.file.LinkOption.NOFOLLOW_LINKS);
        try {
            long size = ch.size();
            if (size < HEADER.length) {
                ch.truncate(0);
                ch.write(ByteBuffer.wrap(HEADER), 0);
                size = HEADER.length;
            } else {
                ByteBuffer h = ByteBuffer.allocate(HEADER.length);
                ch.read(h, 0);
                if (!java.util.Arrays.equals(h.array(), HEADER)) {
                    throw new StoreException("catalog journal " + file + " is not a pactfs catalog journal "
                            + "(unknown header): move it aside only if you accept losing the catalog changes it holds");
                }
            }
            return new CatalogJournal(file, ch, size);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    Path file() {
        return file;
    }

    /** Bytes in the file, header included. */
    synchronized long size() {
        return size;
    }

    /**
     * Reads every complete record in order. A record cut short at the end of the file, or a tail of zeros (a write
     * that never reached the device before a power loss), ends the journal. A record that fails its checksum or
     * breaks the order of sequence numbers with data after it is damage: refused with one line.
     */
    List<Entry> read() throws IOException {
        long end = channel.size();
        List<Entry> entries = new ArrayList<>();
        long pos = HEADER.length;
        long lastSeq = Long.MIN_VALUE;
        while (pos + RECORD_HEAD <= end) {
            ByteBuffer head = ByteBuffer.allocate(RECORD_HEAD);
            readFully(head, pos);
            head.flip();
            int magic = head.getInt();
            int len = head.getInt();
            long seq = head.getLong();
            if (magic == 0 && len == 0 && seq == 0 && zerosFrom(pos, end)) {
                break; // pages that never reached the device
            }
            if (magic != RECORD_MAGIC || len < 0 || len > MAX_PAYLOAD) {
                throw damaged(pos, "no record header");
            }
            if (pos + RECORD_HEAD + len + 4 > end) {
                break; // the last append, cut short
            }
            ByteBuffer body = ByteBuffer.allocate(len + 4);
            readFully(body, pos + RECORD_HEAD);
            body.flip();
            byte[] payload = new byte[len];
            body.get(payload);
            int crc = body.getInt();
            if (crc != checksum(seq, payload)) {
                if (pos + RECORD_HEAD + len + 4 == end) {
                    break; // the last append, torn
                }
                throw damaged(pos, "record " + seq + " fails its checksum");
            }
            if (seq <= lastSeq) {
                break; // older records of a journal emptied since (a power loss kept them): not ours
            }
            lastSeq = seq;
            entries.add(new Entry(seq, payload, pos));
            pos += RECORD_HEAD + len + 4;
        }
        return entries;
    }

    private StoreException damaged(long pos, String why) {
        return new StoreException("catalog journal " + file + " is damaged at byte " + pos + " (" + why + "): the catalog"
                + " cannot be opened with the changes it holds; restore it from a backup, or move it aside to open the"
                + " catalog without them (the changes since the last checkpoint are lost)");
    }

    private boolean zerosFrom(long pos, long end) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(64 << 10);
        while (pos < end) {
            b.clear();
            int n = channel.read(b, pos);
            if (n <= 0) {
                return true;
            }
            for (int i = 0; i < n; i++) {
                if (b.get(i) != 0) {
                    return false;
                }
            }
            pos += n;
        }
        return true;
    }

    private void readFully(ByteBuffer b, long pos) throws IOException {
        while (b.hasRemaining()) {
            int n = channel.read(b, pos);
            if (n < 0) {
                throw new IOException("catalog journal ended early");
            }
            pos += n;
        }
    }

    static int checksum(long seq, byte[] payload) {
        CRC32C crc = new CRC32C();
        ByteBuffer s = ByteBuffer.allocate(12);
        s.putLong(seq).putInt(payload.length);
        crc.update(s.array());
        crc.update(payload);
        return (int) crc.getValue();
    }

    /**
     * Appends one record with a single write(2). On a failure (a full disk) the file is cut back to where it was,
     * so that no partial record stays behind the ones that follow.
     */
    synchronized void append(long seq, byte[] payload) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(RECORD_HEAD + payload.length + 4);
        b.putInt(RECORD_MAGIC).putInt(payload.length).putLong(seq).put(payload).putInt(checksum(seq, payload));
        b.flip();
        long at = size;
        try {
            while (b.hasRemaining()) {
                at += channel.write(b, at);
            }
        } catch (IOException e) {
            try {
                channel.truncate(size);
            } catch (IOException ignored) {
                // the next append overwrites from size on anyway
            }
            throw e;
        }
        size = at;
    }

    /** Cuts the file back to {@code length} (an append whose transaction then failed to commit). */
    synchronized void cutBack(long length) throws IOException {
        channel.truncate(length);
        size = length;
    }

    /** Empties the journal down to its header: once H2 holds every record on the device. */
    synchronized void truncate() throws IOException {
        channel.truncate(HEADER.length);
        // The new length on the device before any new record: after a power loss, new records followed by the old
        // tail would read as damage and keep the catalog from opening. Once per checkpoint (1 MiB of records).
        channel.force(true);
        size = HEADER.length;
    }

    /** Forces every appended record to the device. */
    void force() throws IOException {
        channel.force(false);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
