/**
 * Keys, blob encryption, chunk ids, key files and paper keys: the only package that touches cipher
 * classes. This comment is the format specification (format version 1); docs/format.md repeats
 * it for readers of the docs. All integers are big-endian and unsigned.
 *
 * <h2>Subkeys</h2>
 * The master key is 64 random bytes. Subkeys are {@code HKDF-SHA256(ikm = master key, salt = none
 * (RFC 5869: 32 zero bytes), info = label, L = 32)}:
 * <pre>
 *   K_enc   "pactfs enc v1"    AES-256-GCM key of every blob
 *   K_id    "pactfs id v1"     HMAC-SHA256 key of chunk ids
 *   K_cdc   "pactfs cdc v1"    seed of the chunker's gear table (boundaries do not leak content)
 *   K_check "pactfs check v1"  key check: HMAC-SHA256(K_check, UTF-8(repo id)), 32 bytes, kept in the
 *                              LOCAL repo config only, so a wrong key is caught before anything is touched
 * </pre>
 *
 * <h2>Chunk id</h2>
 * {@code HMAC-SHA256(K_id, chunk plaintext)}, 32 bytes, shown as 64 lower-case hex digits.
 *
 * <h2>Sealed blob</h2>
 * <pre>
 *   offset  size  field
 *   0       1     version = 1
 *   1       12    nonce, random (SecureRandom) for every blob
 *   13      n     AES-256-GCM ciphertext of the n plaintext bytes, under K_enc
 *   13+n    16    GCM tag
 *   AAD = "pactfs" (6 ASCII bytes) | type code (1 byte, BlobType.code) | id (any length >= 0; 32 for chunks)
 * </pre>
 * Overhead is 29 bytes ({@code BlobCipher.OVERHEAD}). The AAD binds a blob to its type and id, so a
 * blob cannot be served in place of another. A reader rejects, as BlobCorruptException, an unknown
 * version ("unknown version X"), fewer than 29 bytes ("too short") and a tag mismatch ("authentication
 * failed"). With random 96-bit nonces a key must seal fewer than 2^32 blobs (NIST SP 800-38D §8.3).
 *
 * <h2>Key file</h2>
 * <pre>
 *   size  field
 *   9     magic "PACTFSKEY" (ASCII)
 *   1     kind: 1 = wrapped under passphrases, 2 = machine key (unwrapped)
 *   1     format version: wrapped 2 (key slots; 1 before, still read), machine 1
 *   2     repo id length r, 1..1024
 *   r     repo id, UTF-8
 *   -- kind 1, version 2:
 *   1     slot count n, 1..16
 *   n x   slot, 130 bytes:
 *     1     slot format: 1 = carried over from a version-1 file, 2 = written as a slot
 *     4     slot id (format 1: SHA-256(salt)[0..4))
 *     8     created, seconds since 1970 UTC (0 = unknown, format 1)
 *     1     kdf = 1: Argon2id, version 0x13
 *     4     memory in KiB (default 65536 = 64 MiB)
 *     4     iterations (default 3)
 *     1     parallelism (default 1)
 *     16    salt, random
 *     12    nonce, random
 *     80    AES-256-GCM(KEK, nonce, master key) = 64 bytes ciphertext | 16 bytes tag,
 *           KEK = Argon2id(UTF-8(passphrase), salt, params above, 32 bytes),
 *           AAD (format 2) = magic | kind | version 2 | r | repo id | the slot's bytes before this field,
 *           AAD (format 1) = magic | kind | version 1 | r | repo id | kdf .. nonce (as its version-1 file had it)
 *   -- kind 1, version 1: kdf, memory, iterations, parallelism, salt, nonce, 80 bytes wrapped key as in a
 *      slot, AAD = every byte of the file before the wrapped key
 *   -- kind 2, machine:
 *   64    master key
 *   -- every kind and every version:
 *   32    SHA-256 of every byte before it
 * </pre>
 * A slot's AAD leaves out the slot count and the other slots, so {@code key add} and {@code key remove} rewrite
 * the file without re-wrapping the others. Reading order: magic ("not a pactfs key file"), then the SHA-256
 * trailer, which needs no key ("key file damaged": distinct from a wrong passphrase), then version ("newer than
 * this pactfs reads": upgrade), then fields with their bounds (slot count 1..16, slot format 1..2, unique ids,
 * memory 8p..4 GiB, iterations 1..64, parallelism 1..16), then the tag of each slot in turn ("wrong
 * passphrase" when none opens). Future versions must keep the magic, the kind and version bytes at offsets 9
 * and 10, and the SHA-256 trailer. Files are written mode 0600 to a temp name, fsynced, published by link
 * (new files, never overwriting) or atomic rename ({@code key add/remove/passwd}), and the directory is fsynced.
 *
 * <h2>Paper key (recovery code)</h2>
 * Payload {@code version(1) = 1 | master key(64) | SHA-256(version | master key)[0..5)} = 70 bytes,
 * written as 112 Crockford base32 characters ({@code 0123456789ABCDEFGHJKMNPQRSTVWXYZ}, 5 bits each,
 * most significant bit first), cut into 28 groups of 4; each group g (0-based) is followed by a check
 * character {@code (g+1) XOR sum_i(alpha^(i+1) * v_i)} over GF(32) = GF(2)[x]/(x^5+x^2+1), alpha = x.
 * Printed as 28 groups of 5 separated by '-'. Decoding ignores case, '-' and whitespace and reads O as
 * 0, I and L as 1. A wrong character, or two neighbours swapped, is reported with its group number;
 * the 40-bit checksum catches the rest.
 *
 * <h2>Errors</h2>
 * Caller mistakes (null, bad ranges, empty passphrase) throw IllegalArgumentException; bad data throws
 * BlobCorruptException, WrongKeyException, KeyFileDamagedException, KeyFileTooNewException or
 * PaperKeyFormatException, each with a message a user can act on.
 *
 * <h2>Performance</h2>
 * Blobs are sealed in 4 KiB GCM update() pieces and opened by AES-CTR decryption plus a GCM re-seal
 * that recomputes the tag, also in 4 KiB pieces (the JDK's GCM decryption runs one uncompiled pass over
 * the whole blob). The JDK's AES and GHASH are fast only once C2 has compiled their callers: the mount
 * daemon warms its put and read paths up before mounting (ChunkStore.warmUp); short commands skip it, the
 * 4 KiB pieces reach compiled speed within ~10 MB of real work. See AesGcmBlobCipher and docs/format.md.
 */
package dev.pactfs.crypto;
