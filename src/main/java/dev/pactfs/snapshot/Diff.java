package dev.pactfs.snapshot;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The difference between two snapshots as paths added, removed and changed, in path order. Subtrees with equal
 * tree ids are skipped without reading them, so comparing two snapshots costs reading the directories that
 * changed. A directory counts as changed only when its own metadata changed; its entries are reported apart.
 */
public final class Diff {

    public enum Kind { ADDED, REMOVED, CHANGED }

    /** One difference; sizes are -1 where the path does not exist on that side. */
    public record Change(Kind kind, String path, boolean dir, long oldSize, long newSize, String what) {
    }

    private final Trees trees;

    public Diff(Trees trees) {
        this.trees = trees;
    }

    public List<Change> between(SnapshotRecord a, SnapshotRecord b) throws IOException {
        List<Change> out = new ArrayList<>();
        TreeEntry ra = trees.rootOf(a.root());
        TreeEntry rb = trees.rootOf(b.root());
        String meta = metaChange(ra, rb);
        if (meta != null) {
            out.add(new Change(Kind.CHANGED, "/", true, 0, 0, meta));
        }
        dir("", ra, rb, out);
        return out;
    }

    private void dir(String prefix, TreeEntry a, TreeEntry b, List<Change> out) throws IOException {
        if (a.subtree().equals(b.subtree())) {
            return;
        }
        List<TreeEntry> la = trees.get(a.subtree());
        List<TreeEntry> lb = trees.get(b.subtree());
        int i = 0;
        int j = 0;
        while (i < la.size() || j < lb.size()) {
            int c = i >= la.size() ? 1 : j >= lb.size() ? -1 : Arrays.compareUnsigned(la.get(i).name(), lb.get(j).name());
            if (c < 0) {
                all(Kind.REMOVED, prefix, la.get(i++), out);
            } else if (c > 0) {
                all(Kind.ADDED, prefix, lb.get(j++), out);
            } else {
                TreeEntry x = la.get(i++);
                TreeEntry y = lb.get(j++);
                String path = prefix + "/" + x.nameString();
                if (x.kind() != y.kind()) {
                    all(Kind.REMOVED, prefix, x, out);
                    all(Kind.ADDED, prefix, y, out);
                    continue;
                }
                String what = x.isFile() && !x.chunks().equals(y.chunks()) ? "content" : null;
                String meta = metaChange(x, y);
                if (what != null || meta != null) {
                    out.add(new Change(Kind.CHANGED, path, x.isDir(), size(x), size(y),
                            what == null ? meta : meta == null ? what : what + ", " + meta));
                }
                if (x.isDir()) {
                    dir(path, x, y, out);
                }
            }
        }
    }

    private static long size(TreeEntry e) {
        return e.isDir() ? 0 : e.size();
    }

    /** Which metadata differ (mode, owner, mtime, target, xattrs), or null. Atime and ctime are ignored. */
    private static String metaChange(TreeEntry x, TreeEntry y) {
        List<String> what = new ArrayList<>();
        if (x.mode() != y.mode()) {
            what.add("mode");
        }
        if (x.uid() != y.uid() || x.gid() != y.gid()) {
            what.add("owner");
        }
        if (x.mtimeNs() != y.mtimeNs() && !x.isDir()) {
            what.add("mtime");
        }
        if (!Arrays.equals(x.symlink(), y.symlink())) {
            what.add("target");
        }
        if (x.rdev() != y.rdev()) {
            what.add("rdev");
        }
        if (!xattrsEqual(x, y)) {
            what.add("xattrs");
        }
        return what.isEmpty() ? null : String.join(", ", what);
    }

    private static boolean xattrsEqual(TreeEntry x, TreeEntry y) {
        if (x.xattrs().size() != y.xattrs().size()) {
            return false;
        }
        for (int i = 0; i < x.xattrs().size(); i++) {
            if (!Arrays.equals(x.xattrs().get(i).name(), y.xattrs().get(i).name())
                    || !Arrays.equals(x.xattrs().get(i).value(), y.xattrs().get(i).value())) {
                return false;
            }
        }
        return Objects.equals(x.xattrs().size(), y.xattrs().size());
    }

    /** Reports {@code e} and, for a directory, everything below it. */
    private void all(Kind kind, String prefix, TreeEntry e, List<Change> out) throws IOException {
        String path = prefix + "/" + e.nameString();
        out.add(new Change(kind, path, e.isDir(), kind == Kind.ADDED ? -1 : size(e), kind == Kind.ADDED ? size(e) : -1, null));
        if (e.isDir()) {
            for (TreeEntry c : trees.get(e.subtree())) {
                all(kind, path, c, out);
            }
        }
    }
}
