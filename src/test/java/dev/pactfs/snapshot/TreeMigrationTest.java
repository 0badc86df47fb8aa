package dev.pactfs.snapshot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pactfs.crypto.BlobType;
import dev.pactfs.crypto.ChunkId;
import dev.pactfs.crypto.Format1BlobIds;
import dev.pactfs.crypto.MasterKey;
import dev.pactfs.crypto.RepoKeys;
import dev.pactfs.store.BlobGraph;
import dev.pactfs.store.ChunkRef;
import dev.pactfs.store.InodeRecord.Kind;
import dev.pactfs.store.Snapshots;
import dev.pactfs.store.StoreFixture;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Migration repairs a snapshot that issue 12 broke under format 1. */
@Timeout(60)
class TreeMigrationTest {

    @TempDir
    Path dir;

    private final RepoKeys keys = RepoKeys.derive(MasterKey.generate());

    @Test
    void aTreeThatAFileChunkTookUnderFormat1IsRecoveredFromThatChunk() throws Exception {
        byte[] poison = {0x02, 0x01, 0x00};
        ChunkId taken;
        // What format 1 recorded for /poison + /emptydir: the empty listing's tree id IS the file chunk's id, and
        // dedup returned the chunk, so the root listing names the chunk as the directory's subtree.
        try (StoreFixture f = StoreFixture.open(dir, keys, new Format1BlobIds(keys))) {
            taken = f.store.put(poison);
            assertEquals(new Format1BlobIds(keys).of(BlobType.TREE, new byte[] {0x01, 0x00}), taken, "the collision");
            List<TreeEntry> listing = List.of(
                    entry("emptydir", Kind.DIR, 0, List.of(), taken, 2),
                    entry("poison", Kind.FILE, 3, List.of(new ChunkRef(taken, 3)), null, 3));
            ChunkId root = f.store.put(BlobType.TREE, TreeCodec.encode(listing));
            ChunkId top = f.store.put(BlobType.TREE, TreeCodec.encode(List.of(entry("/", Kind.DIR, 0, List.of(), root, 1))));
            f.catalog.transaction(tx -> {
                BlobGraph.addChildren(tx, root, Map.of(taken, 2));
                BlobGraph.addChildren(tx, top, Map.of(root, 1));
                Snapshots.insert(tx, "s1", 1_000, "h", null, top, null, null);
                return null;
            });
            f.store.unpin(List.of(taken, root, top));
            assertTrue(f.store.check(true).clean(), "format 1's check saw nothing wrong");
        }
        try (StoreFixture f = StoreFixture.open(dir, keys, keys.transitionalBlobIds())) {
            TreeMigration.Result r = new TreeMigration(f.store).run();
            assertEquals(new TreeMigration.Result(1, 1, 3, 1), r);
            assertEquals(2, f.store.collectGarbage().chunksFreed(), "the old root listing and top tree; the chunk stays (a file)");
        }
        try (StoreFixture f = StoreFixture.open(dir, keys)) {
            assertTrue(f.store.check(true).clean(), f.store.check(true).problems().toString());
            Trees trees = new Trees(f.store);
            ChunkId top = f.catalog.transaction(tx -> Snapshots.byName(tx, "s1")).root();
            List<TreeEntry> root = trees.get(trees.get(top).get(0).subtree());
            assertEquals("emptydir", root.get(0).nameString());
            assertNotEquals(taken, root.get(0).subtree());
            assertEquals(List.of(), trees.get(root.get(0).subtree()), "the empty directory lists again");
            assertArrayEquals(poison, f.store.get(root.get(1).chunks().get(0).id()), "the file is untouched");
        }
    }

    private static TreeEntry entry(String name, int kind, long size, List<ChunkRef> chunks, ChunkId subtree, long ino) {
        return new TreeEntry(name.getBytes(StandardCharsets.UTF_8), kind, 0755, 0, 0, size, 1, 0, 0, 0, 0, 0, ino,
                List.of(), chunks, subtree, null);
    }
}
