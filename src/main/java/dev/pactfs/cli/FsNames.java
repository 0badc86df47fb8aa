package dev.pactfs.cli;

import java.nio.charset.StandardCharsets;

/** File names given on the command line, as the byte strings the fs layer stores. */
final class FsNames {

    private FsNames() {
    }

    /** A single path component: no '/', not "." or "..". */
    static byte[] single(String name) {
        if (name.isEmpty() || name.contains("/") || name.equals(".") || name.equals("..")) {
            throw new UserError("NAME must be a plain file name (no '/'), got '" + name + "'");
        }
        return name.getBytes(StandardCharsets.UTF_8);
    }
}
