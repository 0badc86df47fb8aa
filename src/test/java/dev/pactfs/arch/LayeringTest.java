package dev.pactfs.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The layer table of DESIGN.md, enforced: a layer never imports one above it, only {@code fuse} and
 * {@code posix} touch jnr, only {@code snapshot} and {@code cli} use {@code posix},
 * only {@code store} touches H2/JDBC, only {@code crypto} touches ciphers and Bouncy Castle.
 */
class LayeringTest {

    private static final String P = "dev.pactfs.";

    /** Packages by layer, bottom first (DESIGN.md, "Packages"). */
    private static final List<List<String>> LAYERS = List.of(
            List.of("files"), // layer 0, under everything: owner-only files and directories (PrivateFiles)
            List.of("crypto", "chunk", "posix"),
            List.of("store"),
            List.of("fs", "snapshot", "partner", "host"), // host: pactfs serve, the host side of the pact
            List.of("fuse"),
            List.of("cli"));

    private static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.pactfs");
    }

    @Test
    void noLayerImportsALayerAboveIt() {
        for (int i = 0; i < LAYERS.size(); i++) {
            String[] above = LAYERS.subList(i + 1, LAYERS.size()).stream().flatMap(List::stream)
                    .map(p -> P + p + "..").toArray(String[]::new);
            if (above.length == 0) {
                continue;
            }
            for (String pkg : LAYERS.get(i)) {
                ArchRule rule = noClasses().that().resideInAPackage(P + pkg + "..")
                        .should().dependOnClassesThat().resideInAnyPackage(above)
                        .allowEmptyShould(true) // snapshot and partner arrive with later issues
                        .because(pkg + " is in layer " + i + " and may not use " + Arrays.toString(above));
                rule.check(classes);
            }
        }
    }

    @Test
    void layerOnePackagesAreIndependentOfEachOther() {
        noClasses().that().resideInAPackage(P + "chunk..").should().dependOnClassesThat()
                .resideInAPackage(P + "crypto..").check(classes);
        noClasses().that().resideInAPackage(P + "crypto..").should().dependOnClassesThat()
                .resideInAPackage(P + "chunk..").check(classes);
        noClasses().that().resideInAPackage(P + "posix..").should().dependOnClassesThat()
                .resideInAnyPackage(P + "crypto..", P + "chunk..").check(classes);
    }

    @Test
    void onlySnapshotAndCliUsePosix() {
        noClasses().that().resideOutsideOfPackages(P + "posix..", P + "snapshot..", P + "cli..")
                .should().dependOnClassesThat().resideInAPackage(P + "posix..")
                .check(classes);
    }

    @Test
    void onlyFuseAndPosixImportJnr() {
        noClasses().that().resideOutsideOfPackages(P + "fuse..", P + "posix..")
                .should().dependOnClassesThat().resideInAnyPackage("jnr..", "ru.serce.jnrfuse..")
                .check(classes);
    }

    @Test
    void onlyStoreImportsH2OrJdbc() {
        noClasses().that().resideOutsideOfPackage(P + "store..")
                .should().dependOnClassesThat().resideInAnyPackage("org.h2..", "java.sql..", "javax.sql..")
                .check(classes);
    }

    @Test
    void onlyCryptoTouchesCiphersOrBouncyCastle() {
        noClasses().that().resideOutsideOfPackage(P + "crypto..")
                .should().dependOnClassesThat().resideInAnyPackage("org.bouncycastle..")
                .check(classes);
        noClasses().that().resideOutsideOfPackage(P + "crypto..")
                .should().dependOnClassesThat().haveFullyQualifiedName("javax.crypto.Cipher")
                .check(classes);
    }

    @Test
    void onlyCliSpeaksJsonOrPrometheusOrDrawsProgress() {
        // Output formats, the terminal's progress bar and the daemon's endpoint are the CLI's business; lower layers
        // hand it records and callbacks (ChunkStore.CheckProgress, Restorer's listener).
        noClasses().that().resideOutsideOfPackage(P + "cli..")
                .should().dependOnClassesThat().resideInAnyPackage("com.fasterxml.jackson..", "io.prometheus..",
                        "me.tongfei.progressbar..", "org.jline..")
                .check(classes);
    }
}
