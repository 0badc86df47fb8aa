package dev.pactfs.store;

import dev.pactfs.files.PrivateFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/*
 * Why a marker and not "the config is missing": a repo directory without a config could be anything (a typo, an
 * init that failed, someone's data), and recover must continue only what it made itself. The marker is written
 * first, before any other file of the new repo, and removed last, after the config, so every state in between
 * (killed, Ctrl-C, the partner gone) holds it: a rerun of recover for the same copy continues, every other
 * command refuses the repo in one line (RepoConfig.read checks it before the config), and no half-built repo is
 * ever taken for a complete one.
 *
 * Format (text, one "key value" per line after the header):
 *   pactfs recover in progress; rerun the same recover to continue
 *   repo_id <32 hex>
 *   manifest_seq <decimal; 0 = the copy had no manifest>
 *   partner <the copy directory, for the message only>
 */

/**
 * The resume marker of {@code pactfs recover} in the new repo directory, naming the partner copy's repo id and
 * the manifest sequence the recovery started from.
 *
 * @param repoId      the repo id of the partner copy being recovered
 * @param manifestSeq the newest manifest of the copy when the recover started (0: it had none)
 * @param partner     the copy directory, as given (for messages only; the repo id is what identifies the copy)
 */
public record RecoverMarker(String repoId, long manifestSeq, String partner) {

    /** The marker's name in the repo directory. */
    public static final String FILE_NAME = "recover-in-progress";
    private static final String HEADER = "pactfs recover in progress; rerun the same recover to continue";
    /** Longest marker read back: anything bigger is not one of ours. */
    private static final int MAX_BYTES = 4096;

    /** Writes the marker into {@code repoDir} (0600, forced to the device), replacing an older one at once. */
    public void write(Path repoDir) throws IOException {
        Path tmp = repoDir.resolve(FILE_NAME + ".new");
        Files.deleteIfExists(tmp);
        PrivateFiles.writeNew(tmp, HEADER + "\nrepo_id " + repoId + "\nmanifest_seq " + manifestSeq
                + "\npartner " + partner.replace('\n', '?') + "\n");
        Files.move(tmp, repoDir.resolve(FILE_NAME), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /**
     * The marker in {@code repoDir}, or null when there is none (a symlink or a directory in its place is none).
     *
     * @throws StoreException a file under the marker's name that is not one (damaged, or not ours)
     */
    public static RecoverMarker read(Path repoDir) throws IOException {
        Path f = repoDir.resolve(FILE_NAME);
        if (!Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) {
            return null;
        }
        byte[] b;
        try {
            if (Files.size(f) > MAX_BYTES) {
                throw damaged(f, "longer than " + MAX_BYTES + " bytes");
            }
            b = Files.readAllBytes(f);
        } catch (NoSuchFileException e) {
            return null;
        }
        String[] lines = new String(b, StandardCharsets.UTF_8).split("\n");
        if (lines.length < 4 || !lines[0].equals(HEADER) || !lines[1].startsWith("repo_id ")
                || !lines[2].startsWith("manifest_seq ") || !lines[3].startsWith("partner ")) {
            throw damaged(f, "not in the form recover writes");
        }
        try {
            return new RecoverMarker(lines[1].substring(8).trim(), Long.parseLong(lines[2].substring(13).trim()),
                    lines[3].substring(8));
        } catch (NumberFormatException e) {
            throw damaged(f, "bad manifest_seq");
        }
    }

    /** Removes the marker: the recovered repo is complete. */
    public static void remove(Path repoDir) throws IOException {
        Files.deleteIfExists(repoDir.resolve(FILE_NAME));
    }

    /**
     * Refuses a repo that still holds the marker, with the one line naming the command that finishes it: a
     * half-recovered repo lacks payloads, snapshots or its config.
     */
    public static void refuseInterrupted(Path repoDir) throws IOException {
        RecoverMarker m = read(repoDir);
        if (m != null) {
            throw new StoreException("repo " + repoDir + " is only partly recovered (a recover was interrupted): rerun"
                    + " `pactfs recover --partner " + m.partner() + " --repo " + repoDir + "` with the same key"
                    + " options to finish it");
        }
    }

    private static StoreException damaged(Path f, String why) {
        return new StoreException("recover marker " + f + " is damaged (" + why + "): if this directory is a recover"
                + " that was interrupted, remove the directory and recover again");
    }
}
