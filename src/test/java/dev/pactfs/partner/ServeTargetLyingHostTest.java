package dev.pactfs.partner;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import dev.pactfs.crypto.PinnedTls;
import dev.pactfs.crypto.TlsIdentity;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Home against a host that lies (a compromised or broken one, with the right TLS key): an endless reply, a size
 * that is no number, a listing with a bad size, an error text of many lines. Each is one-line
 * {@link PartnerUnavailableException}; home never holds more than the request can return, never a stack trace.
 */
@Timeout(60)
class ServeTargetLyingHostTest {

    static final String ID = "0123456789abcdef0123456789abcdef";
    static final String NAME = "ab".repeat(32);

    HttpsServer server;
    PartnerTarget home;

    @BeforeEach
    void start() throws Exception {
        TlsIdentity host = TlsIdentity.fromSeed(filled(4));
        SSLContext ctx = PinnedTls.server(host);
        server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 8);
        server.setHttpsConfigurator(new HttpsConfigurator(ctx) {
            @Override
            public void configure(HttpsParameters params) {
                params.setSSLParameters(PinnedTls.parameters(ctx, true));
            }
        });
        server.createContext("/", this::lie);
        server.start();
        home = ServeTarget.open("127.0.0.1:" + server.getAddress().getPort(), host.fingerprint(),
                TlsIdentity.fromSeed(filled(5)), ID);
    }

    @AfterEach
    void stop() throws IOException {
        home.close();
        server.stop(0);
    }

    private void lie(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        ex.getRequestBody().readAllBytes();
        if (path.equals("/v1/usage")) { // 8 MiB of digits for "USED QUOTA"
            ex.sendResponseHeaders(200, 0);
            try (OutputStream o = ex.getResponseBody()) {
                byte[] b = new byte[1 << 20];
                Arrays.fill(b, (byte) '7');
                for (int i = 0; i < 8; i++) {
                    o.write(b);
                }
            } catch (IOException gone) {
                // home hung up, as it should
            }
        } else if (ex.getRequestMethod().equals("HEAD")) {
            ex.getResponseHeaders().set("Pactfs-Size", "12x");
            ex.sendResponseHeaders(200, -1);
        } else if (path.startsWith("/v1/list/")) {
            send(ex, 200, NAME + " lots\n");
        } else {
            send(ex, 500, "first line\nsecond line\n\tat dev.pactfs.Evil.trace(Evil.java:1)\n");
        }
        ex.close();
    }

    private static void send(HttpExchange ex, int status, String text) throws IOException {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(status, b.length);
        try (OutputStream o = ex.getResponseBody()) {
            o.write(b);
        }
    }

    @Test
    void anEndlessReplyIsCutOff() {
        PartnerUnavailableException e = assertThrows(PartnerUnavailableException.class, home::usableSpace);
        assertTrue(e.getMessage().contains("reply larger than " + ServeTarget.SMALL_REPLY_BYTES + " bytes"),
                e.getMessage());
    }

    @Test
    void sizesThatAreNoNumbersArePartnerErrors() {
        PartnerUnavailableException s = assertThrows(PartnerUnavailableException.class,
                () -> home.stat(PartnerTarget.Kind.PACK, NAME));
        assertTrue(s.getMessage().contains("refused the stat of packs/ab/" + NAME), s.getMessage());
        PartnerUnavailableException l = assertThrows(PartnerUnavailableException.class,
                () -> home.sizes(PartnerTarget.Kind.INDEX));
        assertTrue(l.getMessage().contains("malformed listing line"), l.getMessage());
    }

    @Test
    void onlyTheFirstLineOfTheHostsErrorIsKept() {
        PartnerUnavailableException e = assertThrows(PartnerUnavailableException.class,
                () -> home.save(PartnerTarget.Kind.INDEX, NAME, new byte[] {1}));
        assertTrue(e.getMessage().endsWith("HTTP 500 first line"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    private static byte[] filled(int v) {
        byte[] b = new byte[32];
        Arrays.fill(b, (byte) v);
        return b;
    }
}
