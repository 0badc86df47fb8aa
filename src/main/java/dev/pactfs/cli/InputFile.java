package dev.pactfs.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A file the user names for pactfs to read (a key file, a passphrase file), checked before it is read so that a
 * missing, wrong-type or unreadable one is one line naming the option, not an I/O exception from deep inside.
 */
final class InputFile {

    private InputFile() {
    }

    /** {@code file} as given, once it is a readable regular file; else a UserError saying which {@code what} is wrong. */
    static Path readable(Path file, String what) {
        if (!Files.exists(file)) {
            throw new UserError(what + " " + file + " does not exist");
        }
        if (Files.isDirectory(file)) {
            throw new UserError(what + " " + file + " is a directory, not a file");
        }
        if (!Files.isRegularFile(file)) {
            throw new UserError(what + " " + file + " is not a regular file");
        }
        if (!Files.isReadable(file)) {
            throw new UserError(what + " " + file + " is not readable (permission denied)");
        }
        return file;
    }
}
