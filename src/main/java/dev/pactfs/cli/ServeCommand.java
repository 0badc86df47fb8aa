package dev.pactfs.cli;

import dev.pactfs.host.HostServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "serve", mixinStandardHelpOptions = true, subcommands = {ServeCommand.Pair.class, ServeStatusCommand.class},
        description = {"At the HOST site: serve the storage you lend over HTTPS (TLS 1.3, keys pinned both ways),"
                + " one create-only prefix per paired tenant, no delete verb. Runs until stopped.",
            "Example: pactfs serve --root /srv/pactfs --listen 0.0.0.0:8443"})
final class ServeCommand implements Callable<Integer> {

    // Not picocli-required: picocli would then demand them of `serve pair` too.
    @Option(names = "--root", paramLabel = "DIR", description = "Where tenants' copies and the host key live.")
    Path root;

    @Option(names = "--listen", paramLabel = "HOST:PORT", description = "Address to listen on.")
    String listen;

    @Override
    public Integer call() throws IOException, InterruptedException {
        if (root == null || listen == null) {
            throw new UserError("pactfs serve needs --root DIR and --listen HOST:PORT");
        }
        InetSocketAddress at = address(listen);
        HostServer server;
        try {
            server = HostServer.start(root, at);
        } catch (java.net.BindException e) {
            throw new UserError("cannot listen on " + listen + ": " + e.getMessage());
        } catch (IOException e) {
            if (HostServer.isRootInUse(e)) {
                throw new UserError(e.getMessage());
            }
            throw e;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "pactfs-serve-stop"));
        System.err.println("pactfs serve: " + root + " on " + at.getHostString() + ":" + server.port() + ", host key "
                + server.hostKey());
        System.err.flush();
        stopped.await();
        return 0;
    }

    static InetSocketAddress address(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        try {
            if (colon <= 0) {
                throw new NumberFormatException();
            }
            String host = hostPort.substring(0, colon).replace("[", "").replace("]", "");
            return new InetSocketAddress(host, Integer.parseInt(hostPort.substring(colon + 1)));
        } catch (IllegalArgumentException e) { // NumberFormatException too, and a port out of range
            throw new UserError("--listen wants HOST:PORT, got " + hostPort);
        }
    }

    @Command(name = "pair", mixinStandardHelpOptions = true,
            description = {"Add a tenant (or re-arm its pairing) and print its one-time pairing code on stdout: the"
                    + " host key's fingerprint and a secret. Give it to the tenant, who runs"
                    + " `pactfs init --partner pactfs://HOST:PORT --pair-file FILE`.",
                "Example: pactfs serve pair --root /srv/pactfs --tenant acme --quota 2T"})
    static final class Pair implements Callable<Integer> {

        @Option(names = "--root", required = true, paramLabel = "DIR", description = "The root `pactfs serve` uses.")
        Path root;

        @Option(names = "--tenant", required = true, paramLabel = "NAME", description = "Lower case letters, digits, '-'.")
        String tenant;

        @Option(names = "--quota", required = true, paramLabel = "SIZE",
                description = "Bytes promised, with K, M, G or T (powers of 1024). Uploads past it are refused (HTTP 507).")
        String quota;

        @Override
        public Integer call() throws IOException {
            long bytes = parseSize(quota);
            String code;
            try {
                code = HostServer.pair(root, tenant, bytes);
            } catch (IllegalArgumentException e) {
                throw new UserError(e.getMessage());
            }
            System.out.println(code);
            System.out.flush();
            System.err.println("tenant " + tenant + ": the code above pairs one client key, once");
            return 0;
        }
    }

    static long parseSize(String s) {
        String t = s.trim().toUpperCase(java.util.Locale.ROOT);
        int shift = switch (t.isEmpty() ? ' ' : t.charAt(t.length() - 1)) {
            case 'K' -> 10;
            case 'M' -> 20;
            case 'G' -> 30;
            case 'T' -> 40;
            default -> 0;
        };
        try {
            long n = Long.parseLong(shift == 0 ? t : t.substring(0, t.length() - 1));
            if (n <= 0 || n > (Long.MAX_VALUE >> shift)) {
                throw new NumberFormatException();
            }
            return n << shift;
        } catch (NumberFormatException e) {
            throw new UserError("--quota wants a positive size such as 500G or 2T, got " + s);
        }
    }
}
