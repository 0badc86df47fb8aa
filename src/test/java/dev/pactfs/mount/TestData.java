package dev.pactfs.mount;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/** Source data for the mount tests. */
final class TestData {
    private TestData() {}

    /** size bytes of seeded pseudo-random (incompressible, not deduplicable) data. */
    static Path randomFile(Path p, long size, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        byte[] buf = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(p)) {
            for (long left = size; left > 0; ) {
                for (int i = 0; i < buf.length; i += 8) {
                    long v = r.nextLong();
                    for (int j = 0; j < 8 && i + j < buf.length; j++) {
                        buf[i + j] = (byte) (v >>> (8 * j));
                    }
                }
                int n = (int) Math.min(left, buf.length);
                out.write(buf, 0, n);
                left -= n;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p;
    }

    /**
     * bash that builds, in directory $T, a tree with every kind of entry a backup tool meets: real files
     * from /usr/share/doc, a 5 MB random file, empty and 1-byte files, hard links, relative, absolute and
     * dangling symlinks, a fifo, set-id and private modes, foreign owners, user xattrs, POSIX ACLs (access
     * and default), nanosecond and post-2038 mtimes, names with spaces and UTF-8, a 255-byte name, deep nesting.
     */
    static final String RICH_TREE = """
            mkdir -p "$T"
            for d in $(ls /usr/share/doc | head -40); do cp -a "/usr/share/doc/$d" "$T/"; done
            mkdir -p "$T/deep/a/b/c/d/e/f/g/h" "$T/empty dir"
            : > "$T/empty"
            printf x > "$T/one"
            head -c 5000000 /dev/urandom > "$T/random.bin"
            printf 'hello\\n' > "$T/ünïcödé name with spaces"
            printf 'long\\n' > "$T/$(printf 'n%.0s' $(seq 1 255))"
            ln "$T/random.bin" "$T/deep/hardlink-to-random"
            ln "$T/one" "$T/deep/a/one-again"
            ln -s ../random.bin "$T/deep/rel-link"
            ln -s /etc/hostname "$T/abs-link"
            ln -s does-not-exist "$T/dangling"
            mkfifo "$T/fifo"
            echo secret > "$T/mode600"; chmod 600 "$T/mode600"
            mkdir "$T/sgid"; chmod 2775 "$T/sgid"
            echo x > "$T/suid"; chmod 4755 "$T/suid"
            echo o > "$T/owned"; chown 1234:5678 "$T/owned"
            mkdir "$T/owned-dir"; chown 4321:8765 "$T/owned-dir"; chmod 1777 "$T/owned-dir"
            setfattr -n user.comment -v "hello xattr" "$T/owned"
            setfattr -n user.bin -v 0x00ff10 "$T/random.bin"
            setfattr -n user.empty "$T/empty"
            setfacl -m u:1234:rwx,g:5678:r-x "$T/mode600"
            setfacl -d -m u:1234:rwx "$T/sgid"
            touch -d '1999-12-31 23:59:59.987654321' "$T/one"
            touch -d '2040-01-19 03:14:08.5' "$T/empty"
            touch -h -d '2001-02-03 04:05:06.123456789' "$T/abs-link"
            touch -h -d '2001-02-03 04:05:07.5' "$T/dangling" "$T/deep/rel-link"
            touch -d '2001-02-03 04:05:08.25' "$T/fifo"
            touch -d '2001-02-03 04:05:09.75' "$T/owned-dir" "$T/sgid"
            touch -d '2002-02-02 02:02:02.000000001' "$T/deep/a/b/c/d/e/f/g/h" "$T/empty dir"
            """;
}
