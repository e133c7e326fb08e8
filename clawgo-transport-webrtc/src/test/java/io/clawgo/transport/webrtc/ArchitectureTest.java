package io.clawgo.transport.webrtc;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * A transport is written against core's public SPI only, as a third-party transport would be: it never reaches into
 * {@code io.clawgo.internal} nor uses the facades ({@code Gateway}, {@code NodeAgent}).
 */
class ArchitectureTest {
    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.clawgo.transport.webrtc");

    @Test
    void usesOnlyThePublicSpiOfCore() {
        noClasses().should().dependOnClassesThat().resideInAnyPackage("io.clawgo.internal..", "io.clawgo")
                .check(MAIN);
    }

    @Test
    void packagesHaveNoCycles() {
        slices().matching("io.clawgo.transport.(**)").should().beFreeOfCycles().check(MAIN);
    }
}
