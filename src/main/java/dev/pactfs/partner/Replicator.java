package dev.pactfs.partner;

import dev.pactfs.crypto.BlobCipher;
import dev.pactfs.crypto.BlobType;
import dev.pactfs.crypto.ChunkId;
import dev.pactfs.crypto.ManifestKey;
import dev.pactfs.store.ByteProgress;
import dev.pactfs.store.Catalog;
import dev.pactfs.store.ChunkStore;
import dev.pactfs.store.GraphProof;
import dev.pactfs.snapshot.PruneListener;
import dev.pactfs.snapshot.SnapshotRecord;
import dev.pactfs.snapshot.TreeFormatException;
import dev.pactfs.store.PartnerCatalog;
import dev.pactfs.store.PartnerObjects;
import dev.pactfs.store.Snapshots;
import java.io.IOException;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.HashSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * One pass:
 *   1. ownership check (config names this repo; else nothing is written) and removal of temp files left by an
 *      interrupted pass;
 *   2. the repo-info file (chunk sizes, for recover) if the partner lacks it;
 *   3. adoption of orphan packs: a pack published before a crash but not yet recorded at home is read back,
 *      its trailer opened, and its blobs recorded (so a killed pass does not re-send them); an orphan nobody
 *      needs is deleted with its index file, once the last manifest home published no longer names it (a prune
 *      stopped between forgetting a pack and publishing: this pass's manifest drops it, the next deletes it);
 *   4. pending blobs (referenced, local payload, no partner location), oldest first, grouped into packs of
 *      packTargetBytes..packMaxBytes; per pack: build, parse back, publish the pack, then its index file (parsed
 *      back too), then record pack + locations in one catalog transaction. Durable at the partner strictly
 *      before recorded at home: a crash between leaves an orphan (step 3), never a location that lies;
 *   5. snapshot records whose every reachable blob has a partner location, oldest first;
 *   6. the signed manifest, when anything changed (ManifestPublisher). It names only live records, so a recovery
 *      ignores the record of a snapshot removed, renamed or re-tagged at home; the file itself is deleted by
 *      partner prune only (PartnerPrune, behind GraphProof), never by a pass: see decision 0008.
 * Before step 2 the partner is listed against home's records and manifest (PartnerCheck): what it lost is made
 * pending again, so this very pass re-sends it.
 * A pass holds the replicator's lock: passes never overlap. I/O failures abort the pass; the next one resumes
 * from the catalog.
 */

/** Ships blobs and snapshot records to the partner copy. Thread-safe; one pass at a time. */
public final class Replicator {

    private static final Logger log = LoggerFactory.getLogger(Replicator.class);

    /** A pack is closed once it holds this many bytes of blobs (design: 16–64 MiB packs). */
    public static final long DEFAULT_PACK_TARGET_BYTES = 32L << 20;
    /** A pack never grows beyond this (bytes), so one more blob starts a new pack. */
    public static final long DEFAULT_PACK_MAX_BYTES = 64L << 20;
    /** Pending rows fetched from the catalog at once. */
    private static final int BATCH_ROWS = 20_000;
    /** Chunks recompressed at a time before a capped link ({@link Options#recompressForWan}): ~64 MiB plain. */
    private static final int RECOMPRESS_ROWS = 256;
    /** Window of the "current rate" figure, nanoseconds. */
    private static final long RATE_WINDOW_NANOS = 30_000_000_000L;

    static final String META_REPO_INFO = "partner.repo_info";
    /** The repo format the repo-info file named by {@link #META_REPO_INFO} holds. */
    static final String META_REPO_INFO_FORMAT = "partner.repo_info.format";
    /** Repo-info files replaced by a newer one (after a migration), comma-separated, for partner prune to delete. */
    static final String META_REPO_INFO_RETIRED = "partner.repo_info.retired";
    static final String META_LAST_ERROR = "partner.last_error";
    static final String META_LAST_PASS = "partner.last_pass_ms";
    static final String META_LAST_RATE = "partner.last_rate";

    /**
     * Tuning.
     *
     * @param recompressForWan store chunks again at a higher zstd level just before shipping them
     *                         ({@link ChunkStore#recompressForWan}): for a capped link, where the bytes sent, not the
     *                         CPU, bound a pass
     */
    public record Options(long packTargetBytes, long packMaxBytes, boolean recompressForWan) {
        public Options(long packTargetBytes, long packMaxBytes) {
            this(packTargetBytes, packMaxBytes, false);
        }

        public static Options defaults() {
            return new Options(DEFAULT_PACK_TARGET_BYTES, DEFAULT_PACK_MAX_BYTES);
        }

        public Options withRecompressForWan() {
            return new Options(packTargetBytes, packMaxBytes, true);
        }
    }

    /**
     * What one pass did.
     *
     * @param partnerProblems what the check of the partner found at the start of the pass (empty: it matched)
     * @param lostBlobs       blobs whose only copy was in a pack the partner lost
     * @param manifestSeq     the manifest published by this pass, or 0 when none was
     */
    public record PassResult(int packs, long blobs, long bytes, int snapshots, int adopted, int tempFilesRemoved,
                             long millis, List<String> partnerProblems, long lostBlobs, long manifestSeq) {
        /** The partner held everything home recorded, under home's last manifest. */
        public boolean partnerMatched() {
            return partnerProblems.isEmpty();
        }
    }

    private final ChunkStore store;
    private final Catalog catalog;
    private final BlobCipher cipher;
    private final ManifestKey manifestKey;
    private final PartnerTarget target;
    private final String repoId;
    private final MetaFiles.RepoInfo repoInfo;
    private final Options options;
    private final SecureRandom random = new SecureRandom();
    private final Object passLock = new Object();

    /** Upload samples (nanoTime, bytes) within the rate window. Guarded by itself. */
    private final Deque<long[]> samples = new ArrayDeque<>();
    private volatile boolean running;
    private volatile boolean cancelled;
    private volatile String lastError;
    private volatile PassListener passListener;

    /**
     * Told the outcome of every pass, on the thread that ran it, after the catalog has recorded it (the daemon's
     * alerts and metrics). Must not block for long; what it throws is logged and ignored.
     */
    public interface PassListener {
        void passed(PassResult result);

        /** @param message the one line the pass failed with, as {@code status} shows it */
        void failed(String message);
    }

    public void setPassListener(PassListener l) {
        this.passListener = l;
    }

    private void tell(java.util.function.Consumer<PassListener> what) {
        PassListener l = passListener;
        if (l != null) {
            try {
                what.accept(l);
            } catch (RuntimeException e) {
                log.warn("pass listener failed: {}", e.toString());
            }
        }
    }

    /**
     * @param target    the partner copy; wrap it with {@link PartnerTargets#rateLimited} for a cap. The replicator
     *                  adds the ownership guard itself.
     * @param chunkMin  the repo's chunk sizes, kept at the partner (encrypted) so that recover can restore them
     */
    public Replicator(ChunkStore store, BlobCipher cipher, ManifestKey manifestKey, PartnerTarget target, String repoId,
                      int chunkMin, int chunkAvg, int chunkMax, int repoFormat, Options options) {
        this.store = store;
        this.catalog = store.catalog();
        this.cipher = cipher;
        this.manifestKey = manifestKey;
        this.target = PartnerTargets.guarded(target, repoId);
        this.repoId = repoId;
        this.repoInfo = new MetaFiles.RepoInfo(repoId, chunkMin, chunkAvg, chunkMax, repoFormat);
        this.options = options;
    }

    /**
     * Makes a running pass (and every later one) stop before its next pack; for shutdown. Also closes the target,
     * so a pass waiting on partner I/O (a {@link PartnerTargets#timed} target on a hung mount) returns at once
     * instead of at its deadline.
     */
    public void cancel() {
        cancelled = true;
        try {
            target.close();
        } catch (IOException e) {
            log.debug("closing the partner target: {}", e.getMessage());
        }
    }

    private void checkCancelled() throws PartnerUnavailableException {
        if (cancelled) {
            throw new PartnerUnavailableException("replication stopped (shutting down)");
        }
    }

    /** The guarded target (for the fetcher, audit and prune sharing this replicator's partner). */
    public PartnerTarget target() {
        return target;
    }

    /**
     * Prune at the partner (the hook the snapshot layer's {@code prune} calls after it freed blobs at home):
     * forgotten snapshot records are deleted, packs under {@code minLiveFraction} live bytes repacked. Never
     * overlaps a replication pass.
     */
    public PartnerPrune.Result prune(double minLiveFraction) throws IOException {
        synchronized (passLock) {
            PartnerTargets.checkOwnership(target, repoId);
            return PartnerPrune.run(store, cipher, target, minLiveFraction, options.packTargetBytes(), this::publishOutsidePass);
        }
    }

    /**
     * The partner side of the snapshot layer's prune: deletes the partner records of the forgotten snapshots
     * (matched by name and time, so a later snapshot reusing a name keeps its record), then {@link #prune}s.
     * Idempotent, as the snapshot layer requires.
     */
    public PruneListener pruneListener(double minLiveFraction) {
        return (forgotten, localGc) -> {
            synchronized (passLock) {
                PartnerTargets.checkOwnership(target, repoId);
                // The manifest stops naming the forgotten records before they are deleted; one it still names
                // (the publish was refused: another writer, or the copy lost files) is left for a later prune.
                publishOutsidePass();
                Set<String> named = catalog.transaction(PartnerObjects::all).keySet();
                java.util.Set<String> gone = new HashSet<>();
                for (Snapshots.Forgotten f : forgotten) {
                    gone.add(f.name() + "\0" + f.timeMs());
                }
                if (!gone.isEmpty()) {
                    for (String name : target.list(PartnerTarget.Kind.SNAPSHOT)) {
                        try {
                            SnapshotRecord r = SnapshotRecord.decode(MetaFiles.readSnapshot(cipher,
                                    target.load(PartnerTarget.Kind.SNAPSHOT, name), "snapshots/" + name));
                            if (gone.contains(r.name() + "\0" + r.timeMs()) && !named.contains(name)) {
                                target.delete(PartnerTarget.Kind.SNAPSHOT, name);
                            }
                        } catch (PartnerCorruptException | TreeFormatException e) {
                            log.warn("prune: partner snapshot record {} is unreadable, left alone: {}", name, e.getMessage());
                        }
                    }
                }
                PartnerPrune.run(store, cipher, target, minLiveFraction, options.packTargetBytes(), this::publishOutsidePass);
            }
        };
    }

    /**
     * Prune's manifest step, outside a pass: the copy is listed against home's records (not repaired: the next
     * pass does that), the records of snapshots renamed or re-tagged since the last pass are published (step 5,
     * so the manifest that stops naming a retired record names its successor), then the manifest, unless
     * another writer is there.
     */
    private void publishOutsidePass() throws IOException {
        PartnerCheck.Report check = PartnerCheck.run(catalog, cipher, manifestKey, target, false);
        if (check.blockPublish()) {
            return;
        }
        publishSnapshots();
        new ManifestPublisher(catalog, cipher, manifestKey, target, repoId, random).publish(check.forceCheckpoint());
    }

    /** Runs one pass; records success or the error in the catalog for {@code status}. */
    public PassResult runPass() throws IOException {
        return runPass(ByteProgress.NONE);
    }

    /**
     * As {@link #runPass()}, reporting to {@code progress} the bytes sent of the bytes pending when the pass began
     * (blobs that became pending during the pass are sent too, so done may pass the total).
     */
    public PassResult runPass(ByteProgress progress) throws IOException {
        synchronized (passLock) {
            running = true;
            try {
                PassResult r = pass(progress);
                lastError = null;
                long now = System.currentTimeMillis();
                double rate = r.millis() > 0 ? r.bytes() * 1000.0 / r.millis() : 0;
                catalog.transaction(tx -> {
                    PartnerCatalog.setMeta(tx, META_LAST_ERROR, null);
                    PartnerCatalog.setMeta(tx, META_LAST_PASS, Long.toString(now));
                    if (r.bytes() > 0) {
                        PartnerCatalog.setMeta(tx, META_LAST_RATE, Long.toString((long) rate));
                    }
                    return null;
                });
                tell(l -> l.passed(r));
                return r;
            } catch (IOException | RuntimeException e) {
                String msg = e.getMessage() == null ? e.toString() : e.getMessage();
                lastError = msg;
                try {
                    catalog.transaction(tx -> {
                        PartnerCatalog.setMeta(tx, META_LAST_ERROR, System.currentTimeMillis() + " " + msg);
                        return null;
                    });
                } catch (IOException | RuntimeException suppressed) {
                    e.addSuppressed(suppressed);
                }
                if (e instanceof IOException io && !(e instanceof PartnerUnavailableException)
                        && !(e instanceof PartnerCorruptException) && !(e instanceof dev.pactfs.store.StoreException)) {
                    String line = "replication to " + target.location() + " failed: " + msg;
                    if (!cancelled) {
                        tell(l -> l.failed(line));
                    }
                    throw new PartnerUnavailableException(line, io);
                }
                if (!cancelled) {
                    tell(l -> l.failed(msg));
                }
                throw e;
            } finally {
                running = false;
            }
        }
    }

    private PassResult pass(ByteProgress sent) throws IOException {
        checkCancelled();
        long start = System.nanoTime();
        PartnerTargets.checkOwnership(target, repoId);
        int temps = target.cleanup();
        if (temps > 0) {
            log.info("removed {} temp files left by an interrupted pass at {}", temps, target.location());
        }
        PartnerCheck.Report check = PartnerCheck.run(catalog, cipher, manifestKey, target, true);
        ensureRepoInfo();
        int adopted = OrphanPacks.adopt(catalog, cipher, target, random);
        int packs = 0;
        long blobs = 0;
        long bytes = 0;
        long pendingBytes = catalog.transaction(PartnerCatalog::pendingTotals)[1];
        sent.update(0, pendingBytes);
        while (true) {
            List<PartnerCatalog.BlobRow> rows = catalog.transaction(tx -> PartnerCatalog.pending(tx, BATCH_ROWS));
            if (rows.isEmpty()) {
                break;
            }
            long progress = 0;
            List<PackFile.Blob> group = new ArrayList<>();
            long groupBytes = 0;
            for (int i = 0; i < rows.size(); i++) {
                PartnerCatalog.BlobRow row = rows.get(i);
                if (options.recompressForWan() && i % RECOMPRESS_ROWS == 0) {
                    // Just ahead of shipping, a slice at a time: a first full backup starts to flow at once.
                    List<ChunkId> slice = rows.subList(i, Math.min(rows.size(), i + RECOMPRESS_ROWS)).stream()
                            .map(PartnerCatalog.BlobRow::id).toList();
                    long saved = store.recompressForWan(slice);
                    if (saved > 0) {
                        log.debug("recompressed {} chunks before shipping: {} bytes fewer to send", slice.size(), saved);
                    }
                }
                if (!group.isEmpty() && (groupBytes >= options.packTargetBytes()
                        || groupBytes + row.storedSize() > options.packMaxBytes())) {
                    bytes += upload(group);
                    sent.update(bytes, Math.max(bytes, pendingBytes));
                    packs++;
                    blobs += group.size();
                    progress += group.size();
                    group.clear();
                    groupBytes = 0;
                }
                byte[] sealed = store.readSealed(row.id());
                if (sealed == null) {
                    continue; // collected or evicted meanwhile
                }
                group.add(new PackFile.Blob(row.id(), row.kind(), row.plainSize(), sealed));
                groupBytes += sealed.length;
            }
            if (!group.isEmpty()) {
                bytes += upload(group);
                sent.update(bytes, Math.max(bytes, pendingBytes));
                packs++;
                blobs += group.size();
                progress += group.size();
            }
            if (progress == 0) {
                break;
            }
        }
        sent.update(Math.max(bytes, pendingBytes), Math.max(bytes, pendingBytes)); // what was pending is through
        int snaps = publishSnapshots();
        ManifestPublisher.Published manifest = check.blockPublish() ? null
                : new ManifestPublisher(catalog, cipher, manifestKey, target, repoId, random).publish(check.forceCheckpoint());
        long millis = (System.nanoTime() - start) / 1_000_000;
        if (packs > 0 || snaps > 0) {
            log.info("replicated {} blobs ({} bytes) in {} packs and {} snapshot records to {} in {} ms",
                    blobs, bytes, packs, snaps, target.location(), millis);
        }
        return new PassResult(packs, blobs, bytes, snaps, adopted, temps, millis, check.problems(), check.lostBlobs(),
                manifest == null ? 0 : manifest.seq());
    }

    /** Publishes one pack and its index, then records both at home. Returns bytes sent. */
    private long upload(List<PackFile.Blob> group) throws IOException {
        checkCancelled();
        PackFile.Built pack = PackFile.build(cipher, group, random);
        PackFile.verifyBuilt(cipher, pack, group);
        List<MetaFiles.IndexEntry> entries = new ArrayList<>(group.size());
        Map<ChunkId, Map<ChunkId, Integer>> children = new HashMap<>();
        catalog.transaction(tx -> {
            for (PackFile.Blob b : group) {
                // Tree blobs: their entries; a delta chunk: its base (so recover rebuilds the edge that keeps
                // the base alive without decrypting anything).
                Map<ChunkId, Integer> ch = PartnerCatalog.children(tx, b.id());
                if (!ch.isEmpty()) {
                    children.put(b.id(), ch);
                }
            }
            return null;
        });
        for (PackFile.Entry e : pack.entries()) {
            entries.add(new MetaFiles.IndexEntry(e.id(), e.kind(), e.offset(), e.length(), e.plainSize(),
                    children.getOrDefault(e.id(), Map.of())));
        }
        byte[] packName = HexFormat.of().parseHex(pack.name());
        MetaFiles.Built index = MetaFiles.index(cipher, random,
                new MetaFiles.Index(packName, pack.bytes().length, entries));
        MetaFiles.Index back = MetaFiles.readIndex(cipher, index.bytes(), "new index " + index.name());
        if (back.entries().size() != entries.size()) {
            throw new PartnerCorruptException("new index " + index.name() + ": parsed back " + back.entries().size()
                    + " entries, wrote " + entries.size());
        }
        target.save(PartnerTarget.Kind.PACK, pack.name(), pack.bytes());
        target.save(PartnerTarget.Kind.INDEX, index.name(), index.bytes());
        List<PartnerCatalog.Placed> placed = pack.entries().stream()
                .map(e -> new PartnerCatalog.Placed(e.id(), e.offset())).toList();
        byte[] indexName = HexFormat.of().parseHex(index.name());
        catalog.transaction(tx -> {
            PartnerCatalog.recordPack(tx, packName, pack.bytes().length, indexName, placed);
            return null;
        });
        long sent = pack.bytes().length + (long) index.bytes().length;
        sample(sent);
        return sent;
    }

    /**
     * Step 2. The repo info says which format the copy's ids are in, so a repo migrated since its info was
     * written (`pactfs migrate`) publishes a new one: a recovery would otherwise make a repo of the old format
     * over blobs of the new. The old one leaves the manifest with this pass and is deleted by a later prune.
     */
    private void ensureRepoInfo() throws IOException {
        String known = catalog.transaction(tx -> PartnerCatalog.meta(tx, META_REPO_INFO));
        if (known != null) {
            try {
                if (knownInfoFormat(known) == repoInfo.repoFormat()) {
                    return;
                }
            } catch (IOException e) {
                if (!PartnerTarget.isNotFound(e)) {
                    throw e;
                }
            }
        }
        MetaFiles.Built info = MetaFiles.repoInfo(cipher, random, repoInfo);
        MetaFiles.readRepoInfo(cipher, info.bytes(), "new repo info");
        target.save(PartnerTarget.Kind.INDEX, info.name(), info.bytes());
        catalog.transaction(tx -> {
            PartnerCatalog.setMeta(tx, META_REPO_INFO, info.name());
            PartnerCatalog.setMeta(tx, META_REPO_INFO_FORMAT, Integer.toString(repoInfo.repoFormat()));
            if (known != null && !known.equals(info.name())) {
                String before = PartnerCatalog.meta(tx, META_REPO_INFO_RETIRED);
                PartnerCatalog.setMeta(tx, META_REPO_INFO_RETIRED, before == null ? known : before + "," + known);
            }
            return null;
        });
    }

    /**
     * The format the partner's repo info {@code name} says: home's record of it, else (written before the record
     * was kept) read once from the partner. Stats it either way, so a lost file is written again.
     */
    private int knownInfoFormat(String name) throws IOException {
        target.stat(PartnerTarget.Kind.INDEX, name);
        String f = catalog.transaction(tx -> PartnerCatalog.meta(tx, META_REPO_INFO_FORMAT));
        if (f != null) {
            return Integer.parseInt(f);
        }
        int format;
        try {
            format = MetaFiles.readRepoInfo(cipher, target.load(PartnerTarget.Kind.INDEX, name), "index/" + name).repoFormat();
        } catch (PartnerCorruptException e) {
            log.warn("partner repo info {} is unreadable, publishing a new one: {}", name, e.getMessage());
            return -1;
        }
        catalog.transaction(tx -> {
            PartnerCatalog.setMeta(tx, META_REPO_INFO_FORMAT, Integer.toString(format));
            return null;
        });
        return format;
    }

    private int publishSnapshots() throws IOException {
        List<PartnerCatalog.SnapshotRow> snaps = catalog.transaction(PartnerCatalog::unreplicatedSnapshots);
        if (snaps.isEmpty()) {
            return 0;
        }
        Map<Long, Snapshots.Row> rows = new HashMap<>();
        for (Snapshots.Row r : catalog.transaction(Snapshots::list)) {
            rows.put(r.id(), r);
        }
        int n = 0;
        for (PartnerCatalog.SnapshotRow s : snaps) {
            long missing = catalog.transaction(tx -> PartnerCatalog.reachableNotAtPartner(tx, s.root()));
            if (missing > 0) {
                if (!catalog.transaction(tx -> PartnerCatalog.republishesSameRoot(tx, s.id()))) {
                    log.debug("snapshot {} waits for {} blobs to reach the partner", s.name(), missing);
                    continue;
                }
                log.warn("snapshot {} renamed or re-tagged: its record is published again although {} blobs it"
                        + " reaches are not at the partner (lost there, as its previous record knew)", s.name(), missing);
            }
            Snapshots.Row row = rows.get(s.id());
            if (row == null) {
                continue; // forgotten since the list was read
            }
            // Format 2: the parent by its stable id, so a later rename or re-tag of it leaves this record alone.
            SnapshotRecord record = SnapshotRecord.of(row).writtenAt(System.currentTimeMillis());
            MetaFiles.Built f = MetaFiles.snapshot(cipher, random, record.encode());
            try {
                SnapshotRecord back = SnapshotRecord.decode(MetaFiles.readSnapshot(cipher, f.bytes(), "new snapshot record"));
                if (!back.equals(record)) {
                    throw new PartnerCorruptException("new snapshot record for " + s.name() + " parses back differently");
                }
            } catch (TreeFormatException e) {
                throw new PartnerCorruptException("new snapshot record for " + s.name() + ": " + e.getMessage());
            }
            target.save(PartnerTarget.Kind.SNAPSHOT, f.name(), f.bytes());
            byte[] file = HexFormat.of().parseHex(f.name());
            catalog.transaction(tx -> {
                PartnerCatalog.recordSnapshot(tx, s.id(), file, record.format());
                return null;
            });
            sample(f.bytes().length);
            n++;
        }
        return n;
    }

    private void sample(long bytes) {
        long now = System.nanoTime();
        synchronized (samples) {
            samples.addLast(new long[] {now, bytes});
            while (!samples.isEmpty() && now - samples.peekFirst()[0] > RATE_WINDOW_NANOS) {
                samples.removeFirst();
            }
        }
    }

    /** Upload rate over the last 30 s in bytes per second, or -1 when no pass ran lately. */
    double recentRate() {
        long now = System.nanoTime();
        synchronized (samples) {
            while (!samples.isEmpty() && now - samples.peekFirst()[0] > RATE_WINDOW_NANOS) {
                samples.removeFirst();
            }
            if (samples.isEmpty()) {
                return -1;
            }
            long total = 0;
            for (long[] s : samples) {
                total += s[1];
            }
            double secs = Math.max(1.0, (now - samples.peekFirst()[0]) / 1e9);
            return total / secs;
        }
    }

    /** Live status (rate from this process's recent passes). */
    public ReplicationStatus status() throws IOException {
        return status(true);
    }

    /** Live status; without {@code askPartner} from home's records alone (no partner I/O, never blocks on it). */
    public ReplicationStatus status(boolean askPartner) throws IOException {
        return status(catalog, askPartner ? target : null, recentRate(), running, lastError);
    }

    /** Status from the catalog alone (no daemon running): the rate is the last pass's average. */
    public static ReplicationStatus status(Catalog catalog, PartnerTarget target, double liveRate, boolean running,
                                           String liveError) throws IOException {
        long[] pending = catalog.transaction(PartnerCatalog::pendingTotals);
        PartnerCatalog.SnapshotRow last = catalog.transaction(PartnerCatalog::lastReplicatedSnapshot);
        String[] meta = catalog.transaction(tx -> new String[] {
            PartnerCatalog.meta(tx, META_LAST_ERROR), PartnerCatalog.meta(tx, META_LAST_PASS),
            PartnerCatalog.meta(tx, META_LAST_RATE)});
        double rate = liveRate >= 0 ? liveRate : meta[2] == null ? 0 : Double.parseDouble(meta[2]);
        long free = -1;
        String notResponding = null;
        String partnerError = null;
        if (target != null) {
            // Asked now, not taken from the last pass: a partner that went away must show at once, not after the
            // next retry. The ownership check reads the copy's config (an unmounted share shows as "missing").
            try {
                if (target instanceof GuardedTarget g) {
                    g.check();
                }
                free = target.usableSpace();
            } catch (PartnerTimeoutException e) {
                notResponding = e.getMessage();
                partnerError = e.getMessage();
            } catch (IOException e) {
                free = -1;
                partnerError = e.getMessage() == null ? e.toString() : e.getMessage();
            }
        }
        String err = liveError;
        if (err == null && meta[0] != null) {
            int sp = meta[0].indexOf(' ');
            err = sp < 0 ? meta[0] : meta[0].substring(sp + 1);
        }
        if (notResponding != null && (err == null || !err.startsWith("partner not responding"))) {
            // The partner hangs now, whatever the last pass said: that is what the admin must see first.
            err = err == null ? notResponding : notResponding + "; last pass: " + err;
        } else if (partnerError != null && (err == null || !err.contains(partnerError))) {
            // Gone now (share unmounted, copy missing): never "last error: none" until the next retry.
            err = err == null ? partnerError : partnerError + "; last pass: " + err;
        }
        // No ETA towards a partner that does not answer: it would promise what cannot happen.
        long eta = pending[1] == 0 ? 0 : rate > 0 && partnerError == null ? (long) Math.ceil(pending[1] / rate) : -1;
        ManifestPublisher.Last manifest = ManifestPublisher.last(catalog);
        String check = catalog.transaction(tx -> PartnerCatalog.meta(tx, PartnerCheck.META_RESULT));
        int sp = check == null ? -1 : check.indexOf(' ');
        return new ReplicationStatus(pending[0], pending[1], rate, eta, last == null ? null : last.name(),
                last == null ? 0 : last.timeMs(), free, err, meta[1] == null ? 0 : Long.parseLong(meta[1]), running,
                manifest.seq(), manifest.timeMs(), sp < 0 ? null : check.substring(sp + 1),
                sp < 0 ? 0 : Long.parseLong(check.substring(0, sp)), pending[2], partnerError);
    }
}
