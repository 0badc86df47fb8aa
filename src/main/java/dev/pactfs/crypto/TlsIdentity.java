package dev.pactfs.crypto;

import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.EdECPrivateKeySpec;
import java.security.spec.NamedParameterSpec;
import java.util.Arrays;
import java.util.Date;
import java.util.HexFormat;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.DERBitString;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x509.TBSCertificate;
import org.bouncycastle.asn1.x509.Time;
import org.bouncycastle.asn1.x509.V3TBSCertificateGenerator;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;

/**
 * An Ed25519 key and a self-signed X.509 certificate for it, one side of a {@code pactfs serve} TLS connection.
 * Nobody trusts the certificate as such: each side pins the other's public key by {@link #fingerprint()}, so the
 * certificate is only the wrapper TLS needs. It is deterministic (fixed serial, dates and subject; Ed25519
 * signatures are deterministic), so the tenant's certificate comes back byte for byte from the master key.
 *
 * <p>The tenant's key is K_tls = HKDF(master, {@value #INFO_TLS_CLIENT}); the host's is random, kept by the host.
 * Immutable and thread-safe.
 */
public final class TlsIdentity {

    /** HKDF info label of the tenant's TLS client key (docs/format.md, "Subkey derivation"). */
    public static final String INFO_TLS_CLIENT = "pactfs tls client v1";

    /** DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410), followed by the 32-byte key. */
    private static final byte[] SPKI_PREFIX = HexFormat.of().parseHex("302a300506032b6570032100");

    private final PrivateKey privateKey;
    private final X509Certificate certificate;

    private TlsIdentity(byte[] seed) {
        try {
            Ed25519PrivateKeyParameters bc = new Ed25519PrivateKeyParameters(seed, 0);
            byte[] spki = concat(SPKI_PREFIX, bc.generatePublicKey().getEncoded());
            this.privateKey = KeyFactory.getInstance("Ed25519")
                    .generatePrivate(new EdECPrivateKeySpec(NamedParameterSpec.ED25519, seed.clone()));
            this.certificate = selfSigned(bc, spki);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK cannot build an Ed25519 TLS identity", e);
        }
    }

    /** The tenant's identity, derived from the master key: after a disaster the key alone reconnects. */
    public static TlsIdentity tenant(MasterKey master) {
        byte[] ikm = master.toBytes();
        byte[] seed = RepoKeys.hkdf(ikm, INFO_TLS_CLIENT);
        try {
            return new TlsIdentity(seed);
        } finally {
            Arrays.fill(ikm, (byte) 0);
            Arrays.fill(seed, (byte) 0);
        }
    }

    /** An identity from a stored 32-byte seed (the host's key file). */
    public static TlsIdentity fromSeed(byte[] seed) {
        if (seed.length != 32) {
            throw new IllegalArgumentException("an Ed25519 seed is 32 bytes, got " + seed.length);
        }
        return new TlsIdentity(seed);
    }

    /** 32 fresh random bytes for {@link #fromSeed}. */
    public static byte[] newSeed() {
        byte[] seed = new byte[32];
        new SecureRandom().nextBytes(seed);
        return seed;
    }

    public PrivateKey privateKey() {
        return privateKey;
    }

    public X509Certificate certificate() {
        return certificate;
    }

    /** The pinned name of this key: {@link #fingerprint(Certificate)} of its certificate. */
    public String fingerprint() {
        return fingerprint(certificate);
    }

    /** 64 lower-case hex digits: SHA-256 of the certificate's SubjectPublicKeyInfo (DER), as in RFC 7469. */
    public static String fingerprint(Certificate cert) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(cert.getPublicKey().getEncoded()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static X509Certificate selfSigned(Ed25519PrivateKeyParameters key, byte[] spki)
            throws GeneralSecurityException {
        try {
            AlgorithmIdentifier alg = new AlgorithmIdentifier(new ASN1ObjectIdentifier("1.3.101.112")); // id-Ed25519, RFC 8410
            X500Name name = new X500Name("CN=pactfs");
            V3TBSCertificateGenerator g = new V3TBSCertificateGenerator();
            g.setSerialNumber(new ASN1Integer(BigInteger.ONE));
            g.setSignature(alg);
            g.setIssuer(name);
            g.setSubject(name);
            // Fixed dates: the certificate must not depend on when it was made, and validity is not checked.
            g.setStartDate(new Time(new Date(0)));
            g.setEndDate(new Time(new Date(253402300799000L)));
            g.setSubjectPublicKeyInfo(SubjectPublicKeyInfo.getInstance(spki));
            TBSCertificate tbs = g.generateTBSCertificate();
            byte[] tbsDer = tbs.getEncoded(ASN1Encoding.DER);
            Ed25519Signer signer = new Ed25519Signer();
            signer.init(true, key);
            signer.update(tbsDer, 0, tbsDer.length);
            ASN1EncodableVector v = new ASN1EncodableVector();
            v.add(tbs);
            v.add(alg);
            v.add(new DERBitString(signer.generateSignature()));
            byte[] der = new DERSequence(v).getEncoded(ASN1Encoding.DER);
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
        } catch (java.io.IOException e) {
            throw new GeneralSecurityException("cannot encode certificate", e);
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Override
    public String toString() {
        return "TlsIdentity[" + fingerprint() + "]";
    }
}
