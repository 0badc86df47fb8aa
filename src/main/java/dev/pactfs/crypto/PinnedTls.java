package dev.pactfs.crypto;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * TLS 1.3 contexts for {@code pactfs serve} and its clients, trusting keys by pin instead of by CA. Both sides
 * present an Ed25519 {@link TlsIdentity}. The client accepts only the host whose fingerprint it was paired with
 * (host names play no part: the pin is stronger); the host accepts any client certificate during the handshake
 * and maps its fingerprint to a tenant afterwards, refusing unknown keys per request.
 *
 * <p>The trust managers are {@link X509ExtendedTrustManager}s on purpose: the JDK then leaves identification
 * entirely to them and does not add a host name check against a certificate that names no host.
 */
public final class PinnedTls {

    /** The only protocol either side speaks. */
    public static final String PROTOCOL = "TLSv1.3";

    private PinnedTls() {
    }

    /** The client side: presents {@code me}, accepts only a server whose key has fingerprint {@code hostPin}. */
    public static SSLContext client(TlsIdentity me, String hostPin) throws GeneralSecurityException {
        return context(me, new Pin(hostPin));
    }

    /** The host side: presents {@code host}, requires a client certificate of any key (checked per request). */
    public static SSLContext server(TlsIdentity host) throws GeneralSecurityException {
        return context(host, new Pin(null));
    }

    /** TLS 1.3 only; the server side also requires a client certificate. */
    public static SSLParameters parameters(SSLContext ctx, boolean server) {
        SSLParameters p = ctx.getDefaultSSLParameters();
        p.setProtocols(new String[] {PROTOCOL});
        if (server) {
            p.setNeedClientAuth(true);
        }
        return p;
    }

    private static SSLContext context(TlsIdentity me, Pin trust) throws GeneralSecurityException {
        SSLContext ctx = SSLContext.getInstance(PROTOCOL);
        ctx.init(new javax.net.ssl.KeyManager[] {new OneKey(me)}, new javax.net.ssl.TrustManager[] {trust}, null);
        return ctx;
    }

    /** Accepts a one-certificate chain whose key matches the pin (null pin: any key, the host checks later). */
    private static final class Pin extends X509ExtendedTrustManager {
        private final String pin;

        Pin(String pin) {
            this.pin = pin;
        }

        private void check(X509Certificate[] chain) throws CertificateException {
            if (chain == null || chain.length == 0) {
                throw new CertificateException("no certificate presented");
            }
            if (pin != null && !pin.equals(TlsIdentity.fingerprint(chain[0]))) {
                throw new CertificateException("the host's key " + TlsIdentity.fingerprint(chain[0])
                        + " is not the paired key " + pin);
            }
        }

        @Override public void checkClientTrusted(X509Certificate[] c, String a) throws CertificateException { check(c); }
        @Override public void checkServerTrusted(X509Certificate[] c, String a) throws CertificateException { check(c); }
        @Override public void checkClientTrusted(X509Certificate[] c, String a, Socket s) throws CertificateException { check(c); }
        @Override public void checkServerTrusted(X509Certificate[] c, String a, Socket s) throws CertificateException { check(c); }
        @Override public void checkClientTrusted(X509Certificate[] c, String a, SSLEngine e) throws CertificateException { check(c); }
        @Override public void checkServerTrusted(X509Certificate[] c, String a, SSLEngine e) throws CertificateException { check(c); }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }

    /** Presents one identity whatever is asked for. */
    private static final class OneKey extends X509ExtendedKeyManager {
        private static final String ALIAS = "pactfs";
        private final TlsIdentity id;

        OneKey(TlsIdentity id) {
            this.id = id;
        }

        @Override public String[] getClientAliases(String t, Principal[] i) { return new String[] {ALIAS}; }
        @Override public String chooseClientAlias(String[] t, Principal[] i, Socket s) { return ALIAS; }
        @Override public String[] getServerAliases(String t, Principal[] i) { return new String[] {ALIAS}; }
        @Override public String chooseServerAlias(String t, Principal[] i, Socket s) { return ALIAS; }
        @Override public String chooseEngineClientAlias(String[] t, Principal[] i, SSLEngine e) { return ALIAS; }
        @Override public String chooseEngineServerAlias(String t, Principal[] i, SSLEngine e) { return ALIAS; }
        @Override public X509Certificate[] getCertificateChain(String alias) { return new X509Certificate[] {id.certificate()}; }
        @Override public PrivateKey getPrivateKey(String alias) { return id.privateKey(); }
    }
}
