package dev.pactfs.host;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.function.BiConsumer;

/**
 * Walks the regular files below a directory of a serve root while a daemon may write there: a file that vanishes
 * between listing and reading (an upload's temp file renamed to its name) is skipped, not an error; symlinks are
 * never followed. Any other I/O error ends the walk.
 */
final class RegularFiles {

    private RegularFiles() {
    }

    /** Calls {@code each} for every regular file below {@code dir}; nothing when {@code dir} does not exist. */
    static void walk(Path dir, BiConsumer<Path, BasicFileAttributes> each) throws IOException {
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes a) {
                if (a.isRegularFile()) {
                    each.accept(file, a);
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                if (e instanceof NoSuchFileException) {
                    return FileVisitResult.CONTINUE;
                }
                throw e;
            }
        });
    }
}
