package dev.pactfs.fs;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/*
 * POSIX ACLs as Linux keeps them on ext4 (fs/posix_acl.c), for the two xattrs cp -a, rsync -A, tar --acls and
 * setfacl write: system.posix_acl_access and system.posix_acl_default. The value is the kernel's xattr format:
 * header version(4) = 2, then entries tag(2) perm(2) id(4), little-endian, sorted by tag then id.
 *
 * What PactFs does with them, as ext4:
 *   - an access ACL sets the mode's rwx bits (owner from USER_OBJ, group from MASK or else GROUP_OBJ, other from
 *     OTHER) and is stored only when it says more than the mode (named entries or a mask);
 *   - chmod rewrites the base entries (and the mask) of a stored access ACL;
 *   - a directory's default ACL is inherited at create: the child's access ACL is the default masked by the
 *     create mode (stored only when not equivalent to the resulting mode), a new directory also gets the default.
 * Limit: libfuse 2 cannot ask the kernel for FUSE_POSIX_ACL, so with default_permissions the kernel checks the
 * mode bits only (named entries are stored and shown but not enforced), and it applies the umask before create
 * reaches us even when the parent has a default ACL (ext4 then ignores the umask).
 */

/** A parsed POSIX ACL (immutable) and the ext4 rules that tie it to the mode. */
final class PosixAcl {

    static final byte[] ACCESS = "system.posix_acl_access".getBytes(StandardCharsets.US_ASCII);
    static final byte[] DEFAULT = "system.posix_acl_default".getBytes(StandardCharsets.US_ASCII);

    static final int VERSION = 2;
    static final int USER_OBJ = 0x01;
    static final int USER = 0x02;
    static final int GROUP_OBJ = 0x04;
    static final int GROUP = 0x08;
    static final int MASK = 0x10;
    static final int OTHER = 0x20;
    static final int UNDEFINED_ID = -1;
    private static final int RWXUGO = 0777;

    record Entry(int tag, int perm, int id) {
    }

    final List<Entry> entries;

    private PosixAcl(List<Entry> entries) {
        this.entries = List.copyOf(entries);
    }

    static boolean isAccess(byte[] name) {
        return Arrays.equals(name, ACCESS);
    }

    static boolean isDefault(byte[] name) {
        return Arrays.equals(name, DEFAULT);
    }

    static boolean isAcl(byte[] name) {
        return isAccess(name) || isDefault(name);
    }

    /** Parses and validates an xattr value; null for a value with no entries (which removes the ACL). */
    static PosixAcl parse(byte[] value) throws FsException {
        if (value == null || value.length < 4) {
            throw new FsException(Errno.EINVAL, "ACL value too short");
        }
        ByteBuffer b = ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN);
        if (b.getInt() != VERSION) {
            throw new FsException(Errno.EOPNOTSUPP, "ACL xattr version is not 2");
        }
        if ((value.length - 4) % 8 != 0) {
            throw new FsException(Errno.EINVAL, "ACL value of " + value.length + " bytes");
        }
        int n = (value.length - 4) / 8;
        if (n == 0) {
            return null;
        }
        List<Entry> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int tag = b.getShort() & 0xffff;
            int perm = b.getShort() & 0xffff;
            int id = b.getInt();
            if (tag != USER && tag != GROUP) {
                id = UNDEFINED_ID;
            }
            out.add(new Entry(tag, perm, id));
        }
        PosixAcl acl = new PosixAcl(out);
        acl.validate();
        return acl;
    }

    /** As posix_acl_valid: known tags, rwx perms only, one of each base entry, sorted, a mask when named entries. */
    private void validate() throws FsException {
        int state = USER_OBJ;
        long lastId = Long.MIN_VALUE;
        boolean named = false;
        boolean mask = false;
        for (Entry e : entries) {
            if ((e.perm() & ~7) != 0) {
                throw new FsException(Errno.EINVAL, "ACL perm " + e.perm());
            }
            switch (e.tag()) {
                case USER_OBJ -> {
                    if (state != USER_OBJ) {
                        throw invalid();
                    }
                    state = USER;
                    lastId = Long.MIN_VALUE;
                }
                case USER -> {
                    if (state != USER || Integer.toUnsignedLong(e.id()) <= lastId) {
                        throw invalid();
                    }
                    lastId = Integer.toUnsignedLong(e.id());
                    named = true;
                }
                case GROUP_OBJ -> {
                    if (state != USER) {
                        throw invalid();
                    }
                    state = GROUP;
                    lastId = Long.MIN_VALUE;
                }
                case GROUP -> {
                    if (state != GROUP || Integer.toUnsignedLong(e.id()) <= lastId) {
                        throw invalid();
                    }
                    lastId = Integer.toUnsignedLong(e.id());
                    named = true;
                }
                case MASK -> {
                    if (state != GROUP) {
                        throw invalid();
                    }
                    state = OTHER;
                    mask = true;
                }
                case OTHER -> {
                    if (state == OTHER || (state == GROUP && !named)) {
                        state = 0;
                    } else {
                        throw invalid();
                    }
                }
                default -> throw invalid();
            }
        }
        if (state != 0 || (named && !mask)) {
            throw invalid();
        }
    }

    private static FsException invalid() {
        return new FsException(Errno.EINVAL, "invalid ACL");
    }

    /** The kernel's xattr form (base entries with the undefined id). */
    byte[] encode() {
        ByteBuffer b = ByteBuffer.allocate(4 + 8 * entries.size()).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(VERSION);
        for (Entry e : entries) {
            b.putShort((short) e.tag());
            b.putShort((short) e.perm());
            b.putInt(e.tag() == USER || e.tag() == GROUP ? e.id() : UNDEFINED_ID);
        }
        return b.array();
    }

    /** True when the ACL says no more than a mode (only the three base entries). */
    boolean equivalentToMode() {
        for (Entry e : entries) {
            if (e.tag() == USER || e.tag() == GROUP || e.tag() == MASK) {
                return false;
            }
        }
        return true;
    }

    /** {@code mode} with its rwx bits as this ACL sets them (posix_acl_equiv_mode). */
    int applyToMode(int mode) {
        int m = 0;
        for (Entry e : entries) {
            switch (e.tag()) {
                case USER_OBJ -> m |= (e.perm() & 7) << 6;
                case GROUP_OBJ -> m |= (e.perm() & 7) << 3;
                case OTHER -> m |= e.perm() & 7;
                case MASK -> m = (m & ~070) | ((e.perm() & 7) << 3);
                default -> {
                }
            }
        }
        return (mode & ~RWXUGO) | m;
    }

    /** This ACL after chmod to {@code mode} (posix_acl_chmod: owner, mask or group, other follow the mode). */
    PosixAcl chmod(int mode) {
        boolean hasMask = entries.stream().anyMatch(e -> e.tag() == MASK);
        List<Entry> out = new ArrayList<>(entries.size());
        for (Entry e : entries) {
            int p = e.perm();
            switch (e.tag()) {
                case USER_OBJ -> p = (mode >> 6) & 7;
                case GROUP_OBJ -> p = hasMask ? p : (mode >> 3) & 7;
                case MASK -> p = (mode >> 3) & 7;
                case OTHER -> p = mode & 7;
                default -> {
                }
            }
            out.add(new Entry(e.tag(), p, e.id()));
        }
        return new PosixAcl(out);
    }

    /** A default ACL applied at create (posix_acl_create_masq): the child's access ACL and mode. */
    record Created(PosixAcl access, int mode) {
    }

    Created createMasq(int mode) {
        int m = mode;
        List<Entry> out = new ArrayList<>(entries);
        int groupObj = -1;
        int maskObj = -1;
        for (int i = 0; i < out.size(); i++) {
            Entry e = out.get(i);
            switch (e.tag()) {
                case USER_OBJ -> {
                    int p = e.perm() & ((m >> 6) & 7);
                    out.set(i, new Entry(e.tag(), p, e.id()));
                    m &= (p << 6) | ~0700;
                }
                case GROUP_OBJ -> groupObj = i;
                case OTHER -> {
                    int p = e.perm() & (m & 7);
                    out.set(i, new Entry(e.tag(), p, e.id()));
                    m &= p | ~07;
                }
                case MASK -> maskObj = i;
                default -> {
                }
            }
        }
        int gi = maskObj >= 0 ? maskObj : groupObj;
        if (gi >= 0) {
            Entry g = out.get(gi);
            int p = g.perm() & ((m >> 3) & 7);
            out.set(gi, new Entry(g.tag(), p, g.id()));
            m &= (p << 3) | ~070;
        }
        int newMode = (mode & ~RWXUGO) | (m & RWXUGO);
        return new Created(new PosixAcl(out), newMode);
    }
}
