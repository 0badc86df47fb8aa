package dev.pactfs.partner;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * {@code scrub-hosted}: what the HOST site can check without any key. For every {@code pactfs-*} copy under the
 * exported directory: the config is a partner config naming that repo; every pack, index and snapshot file is
 * named by the SHA-256 of its bytes, has an intact envelope (magic, version, footer, CRC-32C) and, for a pack, a
 * trailer length that fits; every pack an index file names exists. Problems are reported one line each.
 */
public final class HostedScrub {

    private HostedScrub() {
    }

    /** Totals of a scrub. */
    public record Result(int copies, long files, long bytes, List<String> problems) {
        public boolean clean() {
            return problems.isEmpty() && copies > 0;
        }
    }

    /** Scrubs every copy under {@code hostedDir}; {@code progress} receives one line per copy. */
    public static Result scrub(Path hostedDir, Consumer<String> progress) throws IOException {
        List<String> problems = new ArrayList<>();
        int copies = 0;
        long[] totals = new long[2];
        if (!Files.isDirectory(hostedDir)) {
            problems.add("missing: " + hostedDir + " is not a directory");
            return new Result(0, 0, 0, problems);
        }
        List<Path> dirs = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(hostedDir, "pactfs-*")) {
            ds.forEach(dirs::add);
        }
        dirs.sort(null);
        for (Path copy : dirs) {
            if (isLink(copy, problems) || !NoFollow.isDirectory(copy)) {
                continue;
            }
            copies++;
            int before = problems.size();
            scrubCopy(copy, problems, totals);
            progress.accept(copy.getFileName() + ": " + (problems.size() == before ? "ok" : (problems.size() - before)
                    + " problems"));
        }
        if (copies == 0) {
            problems.add("missing: no pactfs-* copy under " + hostedDir);
        }
        return new Result(copies, totals[0], totals[1], problems);
    }

    private static void scrubCopy(Path copy, List<String> problems, long[] totals) throws IOException {
        long files0 = totals[0];
        long bytes0 = totals[1];
        String dirName = copy.getFileName().toString();
        String expectId = dirName.substring("pactfs-".length());
        Path config = copy.resolve("config");
        if (isLink(config, problems)) {
            // reported
        } else if (!Files.isRegularFile(config, LinkOption.NOFOLLOW_LINKS)) {
            problems.add("missing: " + config);
        } else {
            String id = GuardedTarget.parseRepoId(new String(NoFollow.readFile(config), StandardCharsets.UTF_8));
            if (id == null) {
                problems.add("corrupt: " + config + ": not a pactfs partner config");
            } else if (!id.equals(expectId)) {
                problems.add("corrupt: " + config + ": names repo " + id + " but the directory is " + dirName);
            }
        }
        DirectoryTarget t = new DirectoryTarget(copy);
        for (String sub : List.of("packs", "index", "snapshots")) {
            if (!isLink(copy.resolve(sub), problems) && !NoFollow.isDirectory(copy.resolve(sub))) {
                problems.add("missing: " + copy.resolve(sub) + "/");
            }
        }
        Set<String> packs = new HashSet<>();
        Path packsDir = copy.resolve("packs");
        if (NoFollow.isDirectory(packsDir)) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(packsDir)) {
                for (Path sub : ds) {
                    if (isLink(sub, problems)) {
                        continue;
                    }
                    if (!NoFollow.isDirectory(sub)) {
                        problems.add("unexpected: " + sub);
                        continue;
                    }
                    try (DirectoryStream<Path> files = Files.newDirectoryStream(sub)) {
                        for (Path f : files) {
                            String n = f.getFileName().toString();
                            if (isLink(f, problems) || n.startsWith(DirectoryTarget.TEMP_PREFIX)) {
                                continue; // a temp file: an upload in progress or interrupted, the owner removes it
                            }
                            if (!isName(n) || !n.startsWith(sub.getFileName().toString())) {
                                problems.add("unexpected: " + f + " (not a pack name for this directory)");
                                continue;
                            }
                            byte[] b = NoFollow.readFile(f);
                            totals[0]++;
                            totals[1] += b.length;
                            String why = checkFile(b, n, Envelope.PACK);
                            if (why == null) {
                                why = checkPackTrailer(b);
                            }
                            if (why != null) {
                                problems.add("corrupt: " + f + ": " + why);
                            }
                            packs.add(n);
                        }
                    }
                }
            }
        }
        for (String n : listDir(copy.resolve("index"), problems)) {
            Path f = copy.resolve("index").resolve(n);
            byte[] b = NoFollow.readFile(f);
            totals[0]++;
            totals[1] += b.length;
            String why = checkFile(b, n, (byte) 0);
            if (why == null) {
                byte kind = b[4];
                if (kind == Envelope.INDEX) {
                    String pack = Envelope.hex(MetaFiles.indexPackName(b, n));
                    if (!packs.contains(pack)) {
                        problems.add("missing: " + t.path(PartnerTarget.Kind.PACK, pack) + " (named by " + f + ")");
                    }
                } else if (kind != Envelope.REPO_INFO) {
                    why = "file kind '" + (char) kind + "' does not belong in index/";
                }
            }
            if (why != null) {
                problems.add("corrupt: " + f + ": " + why);
            }
        }
        for (String n : listDir(copy.resolve("snapshots"), problems)) {
            Path f = copy.resolve("snapshots").resolve(n);
            byte[] b = NoFollow.readFile(f);
            totals[0]++;
            totals[1] += b.length;
            String why = checkFile(b, n, Envelope.SNAPSHOT);
            if (why != null) {
                problems.add("corrupt: " + f + ": " + why);
            }
        }
        scrubManifests(copy, problems, totals[0] - files0, totals[1] - bytes0);
    }

    /**
     * Keyless checks of {@code manifests/}: each file intact and signed under the key it carries, all under one
     * key; and the copy holds at least as many files and bytes as the newest manifest says it should (a host
     * cannot tell which file is gone, only that one is: the list itself is sealed).
     */
    private static void scrubManifests(Path copy, List<String> problems, long files, long bytes) throws IOException {
        Manifest.Header newest = null;
        java.util.Set<String> keys = new java.util.HashSet<>();
        for (String n : listDir(copy.resolve("manifests"), problems)) {
            Path f = copy.resolve("manifests").resolve(n);
            byte[] b = NoFollow.readFile(f);
            String why = checkFile(b, n, Envelope.MANIFEST);
            if (why == null) {
                try {
                    Manifest.Header h = Manifest.readHeader(b, n, null, true).header();
                    keys.add(Envelope.hex(h.publicKey()));
                    newest = newest == null || h.seq() > newest.seq() ? h : newest;
                } catch (PartnerCorruptException e) {
                    why = e.getMessage();
                }
            }
            if (why != null) {
                problems.add("corrupt: " + f + ": " + why);
            }
        }
        if (keys.size() > 1) {
            problems.add("suspect: " + copy.resolve("manifests") + " holds manifests under " + keys.size()
                    + " different signing keys (only one can be the owner's)");
        }
        if (newest != null && (files < newest.objects() || bytes < newest.bytes())) {
            problems.add("missing: " + copy + " holds " + files + " files of " + bytes + " bytes, its newest manifest"
                    + " (sequence " + newest.seq() + ") names " + newest.objects() + " files of " + newest.bytes() + " bytes");
        }
    }

    private static List<String> listDir(Path dir, List<String> problems) throws IOException {
        List<String> out = new ArrayList<>();
        if (!NoFollow.isDirectory(dir)) {
            return out;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path f : ds) {
                String n = f.getFileName().toString();
                if (isLink(f, problems) || n.startsWith(DirectoryTarget.TEMP_PREFIX)) {
                    continue;
                }
                if (!isName(n) || !Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) {
                    problems.add("unexpected: " + f);
                    continue;
                }
                out.add(n);
            }
        }
        out.sort(null);
        return out;
    }

    /** True (and one problem line) when {@code p} is a symlink: the scrub never follows one out of the copy. */
    private static boolean isLink(Path p, List<String> problems) throws IOException {
        if (!Files.isSymbolicLink(p)) {
            return false;
        }
        problems.add("unexpected: " + p + " is a symlink (to " + Files.readSymbolicLink(p) + "), not followed");
        return true;
    }

    private static boolean isName(String n) {
        return n.length() == 64 && n.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
    }

    /** Null when {@code b} hashes to {@code name} and its envelope is intact (and of {@code kind}, unless 0). */
    static String checkFile(byte[] b, String name, byte kind) {
        String actual = Envelope.nameOf(b);
        if (!actual.equals(name)) {
            return "content hashes to " + actual + ", not to its name";
        }
        try {
            Envelope.Header h = Envelope.check(b, name);
            if (kind != 0 && h.kind() != kind) {
                return "file kind '" + (char) h.kind() + "', expected '" + (char) kind + "'";
            }
        } catch (PartnerCorruptException e) {
            return e.getMessage();
        }
        return null;
    }

    private static String checkPackTrailer(byte[] b) {
        int end = b.length - Envelope.FOOTER;
        int len = ByteBuffer.wrap(b, end - 4, 4).getInt();
        if (len < 0 || end - 4 - len < Envelope.HEADER) {
            return "trailer length " + len + " does not fit a file of " + b.length + " bytes";
        }
        return null;
    }
}
