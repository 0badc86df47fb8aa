package dev.pactfs.cli;

import dev.pactfs.files.PrivateFiles;
import dev.pactfs.partner.ManifestRecovery;
import dev.pactfs.store.RecoverMarker;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.stream.Stream;

/*
 * Why only the marker decides: recover refuses to mix into a directory it did not make ("no partial output left
 * behind" holds for everything else), so the one directory it continues is one holding its own marker for the
 * same copy. What a rerun keeps of it is only the local packs, and only as candidates: the catalog is rebuilt
 * from the copy and each record is verified before it is indexed (store.PackReuse). Everything else the
 * interrupted run wrote (catalog, key file, config) is written again.
 */

/** The new repo directory of {@code recover}: new, empty, or an interrupted recover of the same copy to continue. */
final class RecoverTarget {

    /** Under the repo directory, what a rerun keeps: the local packs (see LocalPacks). */
    private static final String PACKS = "packs";

    private RecoverTarget() {
    }

    /**
     * The marker of the interrupted recover that {@code repo} holds for the copy of {@code repoId}, or null when
     * {@code repo} does not exist or is empty.
     *
     * @throws UserError anything else: not a directory, not empty without a marker, a marker of another repo
     */
    static RecoverMarker existing(Path repo, String repoId, String copy) throws IOException {
        if (!Files.exists(repo, LinkOption.NOFOLLOW_LINKS)) {
            return null;
        }
        if (!Files.isDirectory(repo)) {
            throw new UserError(repo + " exists and is not a directory; recover needs a new or empty one");
        }
        try (Stream<Path> s = Files.list(repo)) {
            if (s.findAny().isEmpty()) {
                return null;
            }
        }
        RecoverMarker m = RecoverMarker.read(repo);
        if (m == null) {
            throw new UserError("repo directory " + repo + " is not empty; recover needs a new or empty one");
        }
        if (!m.repoId().equals(repoId)) {
            throw new UserError("repo directory " + repo + " holds an interrupted recover of repo " + m.repoId()
                    + ", but the partner copy " + copy + " is repo " + repoId + ": refusing (give another --repo,"
                    + " or the copy it was recovering)");
        }
        return m;
    }

    /** Refuses to continue from a copy whose newest manifest is older than the one the interrupted run saw. */
    static void checkSameOrNewer(RecoverMarker m, ManifestRecovery.Verdict v, Path repo) {
        if (v.seq() < m.manifestSeq()) {
            throw new UserError("the partner copy's newest manifest is now sequence " + v.seq() + ", but the"
                    + " interrupted recover into " + repo + " started from sequence " + m.manifestSeq()
                    + ": refusing (rolled back?)");
        }
    }

    /**
     * Removes everything the interrupted run wrote but the marker and the local packs, the config first (so the
     * directory never looks complete), so that the rerun writes it all again.
     */
    static void clearForRerun(Path repo) throws IOException {
        Files.deleteIfExists(repo.resolve(dev.pactfs.store.RepoConfig.FILE_NAME));
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(repo)) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                if (!name.equals(RecoverMarker.FILE_NAME) && !name.equals(PACKS)) {
                    PrivateFiles.deleteTree(p);
                }
            }
        }
    }
}
