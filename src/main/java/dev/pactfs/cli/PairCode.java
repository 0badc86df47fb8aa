package dev.pactfs.cli;

import dev.pactfs.host.HostServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A pairing code of {@code pactfs serve pair}: {@code pactfs-pair-1:<host key fingerprint>:<one-time secret>}.
 * Read from a file or stdin only, never from the command line, where every local user could see the secret.
 */
record PairCode(String hostKey, String secret) {

    private static final Pattern CODE = Pattern.compile(Pattern.quote(HostServer.PAIR_CODE_PREFIX)
            + "([0-9a-f]{64}):([0-9a-f]{64})");

    /** The host {@code uri} names, pinned to this code's host key; a user error when {@code uri} is malformed. */
    dev.pactfs.store.ServePartner hostAt(String uri) {
        try {
            return dev.pactfs.store.ServePartner.parse(uri, hostKey);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
    }

    /** The code in {@code file} ({@code -}: stdin), first non-blank line. */
    static PairCode read(Path file) {
        String text;
        try {
            text = file.toString().equals(KeyOptions.STDIN)
                    ? new String(System.in.readNBytes(4096), StandardCharsets.US_ASCII)
                    : Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UserError("cannot read the pairing code from " + file + ": " + e.getMessage());
        }
        Matcher m = CODE.matcher(text.strip());
        if (!m.matches()) {
            throw new UserError("the pairing code in " + file + " is not a line `" + HostServer.PAIR_CODE_PREFIX
                    + "<64 hex>:<64 hex>` as `pactfs serve pair` prints");
        }
        return new PairCode(m.group(1), m.group(2));
    }
}
