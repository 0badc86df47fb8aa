package dev.pactfs.partner;

import dev.pactfs.crypto.BlobType;
import dev.pactfs.crypto.ChunkId;
import dev.pactfs.crypto.KeyFile;
import dev.pactfs.crypto.MasterKey;
import dev.pactfs.crypto.RepoKeys;
import dev.pactfs.store.BlobGraph;
import dev.pactfs.store.PartnerCatalog;
import dev.pactfs.store.RepoConfig;
import dev.pactfs.store.StoreFixture;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import dev.pactfs.snapshot.TreeCodec;
import dev.pactfs.snapshot.TreeEntry;
import dev.pactfs.snapshot.TreeRefs;
import dev.pactfs.snapshot.Trees;
import dev.pactfs.store.ChunkRef;
import dev.pactfs.store.InodeRecord;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A repo with a partner copy, for tests: a store, a partner directory laid out as {@code init} does, and
 * snapshots of one directory of files, in the snapshot layer's tree format (recovery decodes every tree), their
 * edges recorded as the snapshot layer records them ({@link BlobGraph#addChildren}), a row in {@code snapshots}
 * referencing the top tree.
 */
final class PartnerFixture implements AutoCloseable {

    static final int PIECE = 16 * 1024;

    final Path repoDir;
    final Path partnerDir;
    final Path copyDir;
    final MasterKey key;
    final RepoKeys keys;
    final String repoId;
    StoreFixture s;

    private PartnerFixture(Path repoDir, Path partnerDir, MasterKey key, String repoId) throws IOException {
        this.repoDir = repoDir;
        this.partnerDir = partnerDir;
        this.copyDir = PartnerTargets.copyDir(partnerDir, repoId);
        this.key = key;
        this.keys = RepoKeys.derive(key);
        this.repoId = repoId;
        this.s = StoreFixture.open(repoDir, keys);
    }

    /** A new repo in {@code tmp/repo} with its partner copy in {@code partnerDir} (laid out like init does). */
    static PartnerFixture create(Path tmp, Path partnerDir) throws IOException {
        String repoId = "0123456789abcdef" + Long.toHexString(System.nanoTime() & 0xffffffffffffL);
        repoId = (repoId + "0000000000000000").substring(0, 32);
        Path repo = Files.createDirectories(tmp.resolve("repo"));
        MasterKey key = MasterKey.generate();
        layOut(partnerDir, repoId);
        new RepoConfig(RepoConfig.FORMAT, repoId, 2048, 8192, 32768, partnerDir.toAbsolutePath(), 0, "")
                .withKeyCheck(RepoKeys.derive(key).keyCheck(repoId)).write(repo);
        return new PartnerFixture(repo, partnerDir, key, repoId);
    }

    /** What {@code init --partner} creates. */
    static void layOut(Path partnerDir, String repoId) throws IOException {
        Path copy = PartnerTargets.copyDir(partnerDir, repoId);
        for (String d : List.of("packs", "index", "snapshots")) {
            Files.createDirectories(copy.resolve(d));
        }
        Files.writeString(copy.resolve("config"), "pactfs-partner-copy\nformat=1\nrepo_id=" + repoId + "\n");
    }

    Path writeKeyFile(Path file) throws IOException {
        KeyFile.writeMachineKey(file, repoId, key);
        return file;
    }

    PartnerTarget target() {
        return PartnerTargets.directory(copyDir);
    }

    Replicator replicator(PartnerTarget target, long packTarget) {
        return replicator(target, new Replicator.Options(packTarget, Math.max(packTarget, 1L << 20)));
    }

    Replicator replicator(PartnerTarget target, Replicator.Options options) {
        return new Replicator(s.store, keys.blobCipher(), keys.manifestKey(), target, repoId, 2048, 8192, 32768, RepoConfig.FORMAT,
                options);
    }

    /**
     * Stores {@code files} and a snapshot of them named {@code name} (a top tree over one listing, encoded as the
     * snapshot layer encodes them); returns the top tree id.
     */
    ChunkId snapshot(String name, Map<String, byte[]> files) throws IOException {
        return snapshot(name, files, false);
    }

    /** As {@link #snapshot(String, Map)}; {@code chained}: its parent is the latest snapshot, as snapshot create does. */
    ChunkId snapshot(String name, Map<String, byte[]> files, boolean chained) throws IOException {
        List<ChunkId> pinned = new ArrayList<>();
        List<TreeEntry> entries = new ArrayList<>();
        long ino = 2;
        for (String fileName : new java.util.TreeSet<>(files.keySet())) {
            byte[] data = files.get(fileName);
            List<ChunkRef> refs = new ArrayList<>();
            for (int off = 0; off < data.length; off += PIECE) {
                byte[] piece = java.util.Arrays.copyOfRange(data, off, Math.min(data.length, off + PIECE));
                ChunkId id = s.store.put(piece);
                pinned.add(id);
                refs.add(new ChunkRef(id, piece.length));
            }
            entries.add(entry(fileName.getBytes(StandardCharsets.UTF_8), InodeRecord.Kind.FILE, data.length, ino++,
                    refs, null));
        }
        ChunkId listing = s.store.put(BlobType.TREE, TreeCodec.encode(entries));
        TreeEntry rootDir = entry(new byte[] {'/'}, InodeRecord.Kind.DIR, 0, 1, List.of(), listing);
        ChunkId root = s.store.put(BlobType.TREE, TreeCodec.encode(List.of(rootDir)));
        pinned.add(listing);
        pinned.add(root);
        s.catalog.transaction(tx -> {
            BlobGraph.addChildren(tx, listing, TreeRefs.of(entries));
            BlobGraph.addChildren(tx, root, TreeRefs.of(List.of(rootDir)));
            List<dev.pactfs.store.Snapshots.Row> all = dev.pactfs.store.Snapshots.list(tx);
            dev.pactfs.store.Snapshots.Row parent = chained && !all.isEmpty() ? all.get(all.size() - 1) : null;
            dev.pactfs.store.Snapshots.insert(tx, name, System.currentTimeMillis(), "testhost", "nightly", root,
                    parent == null ? null : parent.id(), parent == null ? null : parent.name());
            return null;
        });
        s.store.unpin(pinned);
        return root;
    }

    private static TreeEntry entry(byte[] name, int kind, long size, long ino, List<ChunkRef> refs, ChunkId subtree) {
        long t = 1_700_000_000_000_000_000L;
        return new TreeEntry(name, kind, kind == InodeRecord.Kind.DIR ? 0755 : 0644, 0, 0, size,
                kind == InodeRecord.Kind.DIR ? 2 : 1, 0, t, t, t, t, ino, List.of(), refs, subtree, null);
    }

    /** Every file of snapshot {@code name}, read through the store (from local payloads or the partner). */
    static Map<String, byte[]> restore(StoreFixture st, String name) throws IOException {
        PartnerCatalog.SnapshotRow row = st.catalog.transaction(PartnerCatalog::allSnapshots).stream()
                .filter(r -> r.name().equals(name)).findFirst().orElseThrow(() -> new AssertionError("no snapshot " + name));
        Trees trees = new Trees(st.store);
        Map<String, byte[]> out = new LinkedHashMap<>();
        for (TreeEntry e : trees.get(trees.rootOf(row.root()).subtree())) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            for (ChunkRef c : e.chunks()) {
                b.writeBytes(st.store.get(c.id()));
            }
            out.put(e.nameString(), b.toByteArray());
        }
        return out;
    }

    /** Files of a night: text-like (compressible) and random contents, with names a test can look for. */
    static Map<String, byte[]> night(int n, long seed, int files, int size) {
        Map<String, byte[]> out = new LinkedHashMap<>();
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < files; i++) {
            String name = "secret-payroll-" + n + "-" + i + ".sql";
            byte[] data = i % 2 == 0 ? StoreFixture.compressible(r.nextLong(), size) : StoreFixture.random(r.nextLong(), size);
            out.put(name, data);
        }
        return out;
    }

    @Override
    public void close() throws IOException {
        s.close();
    }
}
