package dev.pactfs.crypto;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.pactfs.FuzzSeeds;
import java.io.IOException;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Fuzz tests of the key file and paper key parsers: each ends in its typed exception (KeyFileDamagedException,
 * KeyFileTooNewException, PaperKeyFormatException) or succeeds. Corpus:
 * src/test/resources/dev/pactfs/crypto/KeyParsersFuzzTestInputs/.
 */
class KeyParsersFuzzTest {

    private static final Path NAME = Path.of("fuzz.key");

    /**
     * A key file body between the magic and a checksum that matches, so the fuzzer reaches the fields (a random
     * file fails the checksum, which KeyFileTest covers).
     */
    @FuzzTest(maxDuration = FuzzSeeds.CAMPAIGN)
    void keyFile(FuzzedDataProvider data) throws IOException {
        byte[] file;
        if (data.consumeBoolean()) {
            file = data.consumeRemainingAsBytes(); // as it lies on disk
        } else {
            byte[] body = data.consumeRemainingAsBytes();
            byte[] magic = KeyFile.MAGIC;
            byte[] head = Arrays.copyOf(magic, magic.length + body.length);
            System.arraycopy(body, 0, head, magic.length, body.length);
            byte[] sum = KeyFile.sha256(head, 0, head.length);
            file = Arrays.copyOf(head, head.length + sum.length);
            System.arraycopy(sum, 0, file, head.length, sum.length);
        }
        try {
            KeyFile.parse(NAME, file);
        } catch (KeyFileDamagedException | KeyFileTooNewException expected) {
            // the typed outcomes
        }
    }

    /** Writes the seed corpus from real key files and codes (regenerate after a format change). */
    @Test
    @EnabledIfSystemProperty(named = "pactfs.writeSeeds", matches = "true")
    void writeSeeds(@TempDir Path tmp) throws IOException {
        FuzzSeeds s = new FuzzSeeds(getClass());
        MasterKey key = MasterKey.of(new byte[MasterKey.LENGTH]);
        KeyFile.writeMachineKey(tmp.resolve("machine.key"), "0123456789abcdef0123456789abcdef", key);
        KeyFile.writeWrapped(tmp.resolve("wrapped.key"), "0123456789abcdef0123456789abcdef", key, "pw".toCharArray());
        for (String f : new String[] {"machine.key", "wrapped.key"}) {
            byte[] b = Files.readAllBytes(tmp.resolve(f));
            s.put("keyFile", f + "-raw", FuzzSeeds.concat(b, (byte) 1));
            byte[] body = Arrays.copyOfRange(b, KeyFile.MAGIC.length, b.length - 32);
            s.put("keyFile", f + "-body", FuzzSeeds.concat(body, (byte) 0));
        }
        s.put("paperKey", "code", PaperKey.encode(key).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        s.put("paperKey", "code-typo", PaperKey.encode(key).replace('a', 'b').getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }

    @FuzzTest(maxDuration = FuzzSeeds.CAMPAIGN)
    void paperKey(FuzzedDataProvider data) {
        String code = data.consumeRemainingAsString();
        try {
            PaperKey.decode(code);
        } catch (PaperKeyFormatException expected) {
            // the typed outcome
        }
    }
}
