package dev.pactfs.cli;

import static dev.pactfs.cli.RestoreCliTest.assertOneLineError;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pactfs.crypto.BlobType;
import dev.pactfs.crypto.ChunkId;
import dev.pactfs.crypto.KeyFile;
import dev.pactfs.crypto.RepoKeys;
import dev.pactfs.snapshot.TreeCodec;
import dev.pactfs.snapshot.TreeEntry;
import dev.pactfs.store.InodeRecord;
import dev.pactfs.store.Snapshots;
import dev.pactfs.store.StoreFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tree-entry kinds 8 (inline content) and 9 (range of a shared chunk) are reserved for issue 15 (decision 0011):
 * this pactfs writes neither, and a snapshot holding one is refused in one line naming the kind, never shown or
 * restored without that file's content.
 */
@Timeout(120)
class ReservedTreeKindCliTest {

    @TempDir
    Path tmp;

    private static TreeEntry entry(String name, int kind, ChunkId subtree) {
        long t = 1_700_000_000_000_000_000L;
        return new TreeEntry(name.getBytes(java.nio.charset.StandardCharsets.UTF_8), kind, 0644, 0, 0, 0, 1, 0,
                t, t, t, t, 2, List.of(), List.of(), subtree, null);
    }

    @Test
    void aListingWithAnInlineContentOrChunkRangeEntryIsRefusedInOneLine() throws Exception {
        String repo = tmp.resolve("repo").toString();
        Path key = tmp.resolve("k.key");
        assertEquals(0, CliRun.run("init", "--repo", repo, "--key-file", key.toString()).exit());
        try (StoreFixture st = StoreFixture.open(Path.of(repo), RepoKeys.derive(KeyFile.readMachineKey(key)))) {
            for (int kind : new int[] {8, 9}) {
                // As a newer pactfs would write it: a file entry whose kind byte says 8 or 9.
                byte[] listing = TreeCodec.encode(List.of(entry("small", InodeRecord.Kind.FILE, null)));
                listing[3 + "small".length()] = (byte) kind;
                ChunkId l = st.store.put(BlobType.TREE, listing);
                ChunkId top = st.store.put(BlobType.TREE, TreeCodec.encode(List.of(entry("/", InodeRecord.Kind.DIR, l))));
                st.catalog.transaction(tx -> Snapshots.insert(tx, "newer-" + kind, kind, "h", null, top, null, null));
            }
        }
        assertOneLineError(CliRun.run("ls", "--repo", repo, "--key-file", key.toString(), "newer-8:/"),
                ": entry 0: tree entry kind 8 (inline content) needs a newer pactfs");
        Path out = tmp.resolve("out");
        assertOneLineError(CliRun.run("restore", "--repo", repo, "--key-file", key.toString(), "newer-9", out.toString()),
                ": entry 0: tree entry kind 9 (range of a shared chunk) needs a newer pactfs");
        assertEquals(false, Files.exists(out.resolve("small")));
    }
}
