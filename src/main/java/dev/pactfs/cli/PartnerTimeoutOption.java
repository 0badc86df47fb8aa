package dev.pactfs.cli;

import dev.pactfs.partner.PartnerTimeouts;
import picocli.CommandLine.Option;

/** {@code --partner-timeout}, shared by the commands that talk to the partner directory. */
final class PartnerTimeoutOption {

    @Option(names = "--partner-timeout", paramLabel = "DURATION",
            description = "Give up on a partner operation (a hung NFS or SSHFS mount) after this long, e.g. 90s or 5m"
                    + " (default 60s; stat, delete and free-space queries wait at most 15s).")
    String value;

    PartnerTimeouts timeouts() throws UserError {
        return value == null ? PartnerTimeouts.defaults() : PartnerTimeouts.of(MountCommand.duration(value));
    }
}
