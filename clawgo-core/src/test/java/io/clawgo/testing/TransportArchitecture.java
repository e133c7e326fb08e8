package io.clawgo.testing;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;

/**
 * The rules every transport module keeps, checked on its compiled main classes: it is written against core's public
 * SPI only, as a third-party transport would be (never {@code io.clawgo.internal}, never the facades
 * {@code Gateway} and {@code NodeAgent}), and its packages have no cycles.
 */
public final class TransportArchitecture {
    private TransportArchitecture() {
    }

    /**
     * Checks the rules; throws an {@link AssertionError} that lists every violation.
     *
     * @param transportPackage the module's root package, for example {@code io.clawgo.transport.ws}
     */
    public static void check(String transportPackage) {
        JavaClasses main = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages(transportPackage);
        noClasses().should().dependOnClassesThat().resideInAnyPackage("io.clawgo.internal..", "io.clawgo")
                .check(main);
        // one slice per package, the module's root package included
        String parent = transportPackage.substring(0, transportPackage.lastIndexOf('.'));
        slices().matching(parent + ".(**)").should().beFreeOfCycles().check(main);
    }
}
