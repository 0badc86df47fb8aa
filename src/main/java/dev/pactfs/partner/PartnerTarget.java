package dev.pactfs.partner;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.util.List;

/**
 * The partner copy as a dumb file store: files addressed by (kind, name), nothing known of blobs, keys or
 * indexes. One instance serves one copy, {@code <partner>/pactfs-<repo-id>/}.
 *
 * <p>Contract every implementation keeps (checked by the shared contract test):
 * <ul>
 *   <li><b>Atomic publish.</b> {@link #save} makes a file appear under its final name with all its bytes at once
 *       and durable (data synced, then the rename and the directory synced) before it returns; a crash or an
 *       outage during a save leaves at most a temp file, never a partial file under the final name.
 *   <li><b>Write once, idempotent.</b> Names are the SHA-256 of the content (except {@link Kind#CONFIG}), so
 *       saving a name that exists is a successful no-op; files are never modified, only deleted.
 *   <li><b>Distinct "not found".</b> {@link #load} and {@link #stat} of a missing file throw
 *       {@link NoSuchFileException} (test it with {@link #isNotFound}); every other failure is an {@link IOException}
 *       meaning the partner could not be reached or read.
 *   <li><b>Delete is idempotent:</b> deleting a missing file succeeds.
 *   <li>{@link #list} returns each file of a kind exactly once, never temp files.
 *   <li>{@link #cleanup} removes temp files left by interrupted saves; call it only when no save runs.
 * </ul>
 *
 * <p>Retry, the bandwidth cap and the "is this really our partner copy" check are wrappers
 * ({@link PartnerTargets}), not part of any implementation. Implementations are thread-safe.
 */
public interface PartnerTarget extends Closeable {

    /** What a file is; decides its directory. */
    enum Kind {
        /** {@code config}: plaintext, the copy's format and repo id. */
        CONFIG,
        /** {@code packs/<first two hex digits>/<sha256>}. */
        PACK,
        /** {@code index/<sha256>}. */
        INDEX,
        /** {@code snapshots/<sha256>}. */
        SNAPSHOT,
        /** {@code manifests/<sha256>}: the signed, numbered list of what the copy holds. */
        MANIFEST
    }

    /** Publishes {@code data} as ({@code kind}, {@code name}) atomically and durably; no-op if it exists. */
    void save(Kind kind, String name, byte[] data) throws IOException;

    /**
     * {@code length} bytes from {@code offset} of the file ({@code length < 0}: to the end).
     *
     * @throws NoSuchFileException the file does not exist
     * @throws java.io.EOFException the range reaches past the end of the file
     */
    byte[] load(Kind kind, String name, long offset, int length) throws IOException;

    /** The whole file. */
    default byte[] load(Kind kind, String name) throws IOException {
        return load(kind, name, 0, -1);
    }

    /** The file's size in bytes; {@link NoSuchFileException} if it does not exist. */
    long stat(Kind kind, String name) throws IOException;

    /** Names of every published file of {@code kind} (not {@link Kind#CONFIG}). */
    List<String> list(Kind kind) throws IOException;

    /**
     * Every published file of {@code kind} with its size in bytes, name-sorted. The default stats each listed
     * file; a file deleted between the listing and its stat is left out.
     */
    default java.util.SortedMap<String, Long> sizes(Kind kind) throws IOException {
        java.util.SortedMap<String, Long> out = new java.util.TreeMap<>();
        for (String name : list(kind)) {
            try {
                out.put(name, stat(kind, name));
            } catch (IOException e) {
                if (!isNotFound(e)) {
                    throw e;
                }
            }
        }
        return out;
    }

    /** Deletes the file; no-op if it does not exist. */
    void delete(Kind kind, String name) throws IOException;

    /** Removes leftovers of interrupted saves; returns how many. Only when no save is running. */
    int cleanup() throws IOException;

    /** Bytes the partner still has room for, or -1 when unknown. */
    long usableSpace() throws IOException;

    /**
     * The newest manifest the partner itself accepted for this copy, when the partner enforces the manifest chain
     * (a {@code pactfs serve} host refuses any manifest but the next one); null for a plain store (a directory, a
     * bucket), which keeps whatever it is given and has no head of its own.
     */
    default ManifestHead manifestHead() throws IOException {
        return null;
    }

    /**
     * The answer to an audit {@link Challenge} on bytes {@code [offset, offset + length)} of a stored file:
     * SHA-256(nonce || bytes), computed by the partner itself, so only the answer (32 bytes) crosses the network.
     * Null when this partner answers no challenges (a directory, a bucket: the caller downloads instead).
     *
     * @throws java.nio.file.NoSuchFileException the partner does not have the file
     * @throws java.io.EOFException              the range reaches past the end of the partner's file
     */
    default byte[] challenge(Kind kind, String name, long offset, int length, byte[] nonce) throws IOException {
        return null;
    }

    /** Where this target writes, for messages. */
    String location();

    /** Whether {@code e} means "that file does not exist" (and not "the partner is unreachable"). */
    static boolean isNotFound(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof NoSuchFileException) {
                return true;
            }
        }
        return false;
    }

    @Override
    default void close() throws IOException {
    }
}
