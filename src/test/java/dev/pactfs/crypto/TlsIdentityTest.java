package dev.pactfs.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The tenant's TLS key is K_tls of the master key, and its certificate a pure function of that key. */
class TlsIdentityTest {

    @Test
    void tenantKeyIsHkdfOfTheMasterKeyUnderItsOwnLabel() throws Exception {
        MasterKey master = MasterKey.generate();
        byte[] seed = HkdfReference.hkdfSha256(master.toBytes(), "pactfs tls client v1", 32);
        TlsIdentity derived = TlsIdentity.tenant(master);
        assertEquals(TlsIdentity.fromSeed(seed).fingerprint(), derived.fingerprint());
        assertEquals(derived.fingerprint(), RepoKeys.derive(master).tlsIdentity().fingerprint());
        byte[] raw = Arrays.copyOfRange(derived.certificate().getPublicKey().getEncoded(), 12, 44);
        assertFalse(Arrays.equals(raw, RepoKeys.derive(master).manifestKey().publicKey()),
                "the TLS key is not the manifest signing key");
    }

    @Test
    void certificateIsDeterministicSelfSignedAndFingerprintedBySpki() throws Exception {
        MasterKey master = MasterKey.generate();
        TlsIdentity a = TlsIdentity.tenant(master);
        TlsIdentity b = TlsIdentity.tenant(MasterKey.of(master.toBytes()));
        assertArrayEquals(a.certificate().getEncoded(), b.certificate().getEncoded());
        a.certificate().verify(a.certificate().getPublicKey());
        assertEquals("1.3.101.112", a.certificate().getSigAlgOID(), "id-Ed25519");
        String fp = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest(a.certificate().getPublicKey().getEncoded()));
        assertEquals(fp, a.fingerprint());
        assertTrue(fp.matches("[0-9a-f]{64}"));
        assertNotEquals(fp, TlsIdentity.tenant(MasterKey.generate()).fingerprint());
    }
}
