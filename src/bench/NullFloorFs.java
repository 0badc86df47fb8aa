import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import jnr.ffi.Pointer;
import jnr.ffi.types.off_t;
import jnr.ffi.types.size_t;
import ru.serce.jnrfuse.ErrorCodes;
import ru.serce.jnrfuse.FuseFillDir;
import ru.serce.jnrfuse.FuseStubFS;
import ru.serce.jnrfuse.struct.FileStat;
import ru.serce.jnrfuse.struct.FuseFileInfo;
import ru.serce.jnrfuse.struct.Timespec;

/*
 * The floor of the libfuse 2 high-level API through jnr-fuse for trees of small files (issue 15): a filesystem that
 * keeps only names and attributes in one ConcurrentHashMap keyed by path, drops every byte written (a file reads
 * back as zeros of its size), and accepts but forgets xattrs. Mounted with pactfs's options (big_writes,
 * max_write=131072, use_ino, zero attr/entry/negative timeouts), so the kernel sends it the same requests it sends
 * pactfs; what a row costs here is what any Java filesystem on this API pays before doing any work.
 *
 *   java -cp target/pactfs.jar src/bench/NullFloorFs.java MOUNTPOINT [extra -o options...]   (foreground; root)
 *
 * Not thread-safe for concurrent renames of one directory tree (no tool in the benchmark does that).
 */
public final class NullFloorFs extends FuseStubFS {

    private static final int S_IFDIR = 0040000;
    private static final int S_IFREG = 0100000;
    private static final int S_IFLNK = 0120000;

    private static final class Node {
        volatile int mode;
        volatile int uid;
        volatile int gid;
        volatile long size;
        volatile long mtimeSec;
        volatile long mtimeNsec;
        volatile byte[] link;
        final long ino;

        Node(int mode, long ino) {
            this.mode = mode;
            this.ino = ino;
            long now = System.currentTimeMillis();
            mtimeSec = now / 1000;
            mtimeNsec = (now % 1000) * 1_000_000;
        }
    }

    private final Map<String, Node> nodes = new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicLong nextIno = new java.util.concurrent.atomic.AtomicLong(2);

    NullFloorFs() {
        nodes.put("/", new Node(S_IFDIR | 0755, 1));
    }

    private static String parent(String p) {
        int i = p.lastIndexOf('/');
        return i <= 0 ? "/" : p.substring(0, i);
    }

    private int make(String path, int mode) {
        if (!nodes.containsKey(parent(path))) {
            return -ErrorCodes.ENOENT();
        }
        Node n = new Node(mode, nextIno.getAndIncrement());
        n.uid = getContext().uid.intValue();
        n.gid = getContext().gid.intValue();
        return nodes.putIfAbsent(path, n) == null ? 0 : -ErrorCodes.EEXIST();
    }

    @Override
    public int getattr(String path, FileStat st) {
        Node n = nodes.get(path);
        if (n == null) {
            return -ErrorCodes.ENOENT();
        }
        st.st_ino.set(n.ino);
        st.st_mode.set(n.mode);
        st.st_nlink.set((n.mode & S_IFDIR) == S_IFDIR ? 2 : 1);
        st.st_uid.set(n.uid);
        st.st_gid.set(n.gid);
        st.st_size.set(n.link != null ? n.link.length : n.size);
        st.st_blocks.set((n.size + 511) / 512);
        st.st_blksize.set(4096);
        for (Timespec t : new Timespec[] {st.st_mtim, st.st_atim, st.st_ctim}) {
            t.tv_sec.set(n.mtimeSec);
            t.tv_nsec.set(n.mtimeNsec);
        }
        return 0;
    }

    @Override
    public int mkdir(String path, long mode) {
        return make(path, S_IFDIR | ((int) mode & 07777));
    }

    @Override
    public int create(String path, long mode, FuseFileInfo fi) {
        int r = make(path, S_IFREG | ((int) mode & 07777));
        return r == -ErrorCodes.EEXIST() ? 0 : r;
    }

    @Override
    public int mknod(String path, long mode, long rdev) {
        return make(path, (int) mode);
    }

    @Override
    public int symlink(String target, String path) {
        int r = make(path, S_IFLNK | 0777);
        if (r == 0) {
            nodes.get(path).link = target.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }
        return r;
    }

    @Override
    public int readlink(String path, Pointer buf, @size_t long size) {
        Node n = nodes.get(path);
        if (n == null || n.link == null) {
            return -ErrorCodes.EINVAL();
        }
        int len = (int) Math.min(n.link.length, size - 1);
        buf.put(0, n.link, 0, len);
        buf.putByte(len, (byte) 0);
        return 0;
    }

    @Override
    public int open(String path, FuseFileInfo fi) {
        return nodes.containsKey(path) ? 0 : -ErrorCodes.ENOENT();
    }

    @Override
    public int read(String path, Pointer buf, @size_t long size, @off_t long offset, FuseFileInfo fi) {
        Node n = nodes.get(path);
        if (n == null) {
            return -ErrorCodes.ENOENT();
        }
        long len = Math.max(0, Math.min(size, n.size - offset));
        byte[] zeros = new byte[(int) len];
        buf.put(0, zeros, 0, zeros.length);
        return (int) len;
    }

    @Override
    public int write(String path, Pointer buf, @size_t long size, @off_t long offset, FuseFileInfo fi) {
        Node n = nodes.get(path);
        if (n == null) {
            return -ErrorCodes.ENOENT();
        }
        byte[] copy = new byte[(int) size]; // as the null filesystem of FACTS.md: copied into Java, then dropped
        buf.get(0, copy, 0, copy.length);
        synchronized (n) {
            n.size = Math.max(n.size, offset + size);
        }
        return (int) size;
    }

    @Override
    public int truncate(String path, @off_t long size) {
        Node n = nodes.get(path);
        if (n == null) {
            return -ErrorCodes.ENOENT();
        }
        n.size = size;
        return 0;
    }

    @Override
    public int ftruncate(String path, @off_t long size, FuseFileInfo fi) {
        return truncate(path, size);
    }

    @Override
    public int fgetattr(String path, FileStat st, FuseFileInfo fi) {
        return getattr(path, st);
    }

    @Override
    public int flush(String path, FuseFileInfo fi) {
        return 0;
    }

    @Override
    public int release(String path, FuseFileInfo fi) {
        return 0;
    }

    @Override
    public int unlink(String path) {
        return nodes.remove(path) != null ? 0 : -ErrorCodes.ENOENT();
    }

    @Override
    public int rmdir(String path) {
        String prefix = path + "/";
        for (String k : nodes.keySet()) {
            if (k.startsWith(prefix)) {
                return -ErrorCodes.ENOTEMPTY();
            }
        }
        return nodes.remove(path) != null ? 0 : -ErrorCodes.ENOENT();
    }

    @Override
    public int rename(String from, String to) {
        Node n = nodes.remove(from);
        if (n == null) {
            return -ErrorCodes.ENOENT();
        }
        nodes.put(to, n);
        if ((n.mode & S_IFDIR) == S_IFDIR) {
            String prefix = from + "/";
            for (String k : nodes.keySet()) {
                if (k.startsWith(prefix)) {
                    nodes.put(to + k.substring(from.length()), nodes.remove(k));
                }
            }
        }
        return 0;
    }

    @Override
    public int chmod(String path, long mode) {
        Node n = nodes.get(path);
        if (n == null) {
            return -ErrorCodes.ENOENT();
        }
        n.mode = (n.mode & ~07777) | ((int) mode & 07777);
        return 0;
    }

    @Override
    public int chown(String path, long uid, long gid) {
        Node n = nodes.get(path);
        if (n == null) {
            return -ErrorCodes.ENOENT();
        }
        if (uid != -1 && uid != 0xffffffffL) {
            n.uid = (int) uid;
        }
        if (gid != -1 && gid != 0xffffffffL) {
            n.gid = (int) gid;
        }
        return 0;
    }

    @Override
    public int utimens(String path, Timespec[] timespec) {
        Node n = nodes.get(path);
        if (n == null) {
            return -ErrorCodes.ENOENT();
        }
        n.mtimeSec = timespec[1].tv_sec.get();
        n.mtimeNsec = timespec[1].tv_nsec.longValue();
        return 0;
    }

    @Override
    public int setxattr(String path, String name, Pointer value, @size_t long size, int flags) {
        return nodes.containsKey(path) ? 0 : -ErrorCodes.ENOENT();
    }

    @Override
    public int getxattr(String path, String name, Pointer value, @size_t long size) {
        return -ErrorCodes.ENODATA();
    }

    @Override
    public int listxattr(String path, Pointer list, @size_t long size) {
        return 0;
    }

    @Override
    public int removexattr(String path, String name) {
        return -ErrorCodes.ENODATA();
    }

    @Override
    public int opendir(String path, FuseFileInfo fi) {
        return nodes.containsKey(path) ? 0 : -ErrorCodes.ENOENT();
    }

    @Override
    public int readdir(String path, Pointer buf, FuseFillDir filter, @off_t long offset, FuseFileInfo fi) {
        filter.apply(buf, ".", null, 0);
        filter.apply(buf, "..", null, 0);
        String prefix = path.equals("/") ? "/" : path + "/";
        for (String k : nodes.keySet()) {
            if (k.length() > prefix.length() && k.startsWith(prefix) && k.indexOf('/', prefix.length()) < 0) {
                filter.apply(buf, k.substring(prefix.length()), null, 0);
            }
        }
        return 0;
    }

    @Override
    public int access(String path, int mask) {
        return nodes.containsKey(path) ? 0 : -ErrorCodes.ENOENT();
    }

    public static void main(String[] args) {
        String[] opts = {"-o", "big_writes", "-o", "max_write=131072", "-o", "default_permissions", "-o", "use_ino",
                "-o", "readdir_ino", "-o", "attr_timeout=0", "-o", "entry_timeout=0", "-o", "negative_timeout=0",
                "-o", "fsname=nullfloor"};
        String[] extra = java.util.Arrays.copyOfRange(args, 1, args.length);
        String[] all = new String[opts.length + extra.length];
        System.arraycopy(opts, 0, all, 0, opts.length);
        System.arraycopy(extra, 0, all, opts.length, extra.length);
        NullFloorFs fs = new NullFloorFs();
        fs.mount(Path.of(args[0]), true, false, all);
    }
}
