package io.clawgo.micrometer;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The module reads core's public API only: no class of it reaches into {@code io.clawgo.internal}. */
class ArchitectureTest {
    @Test
    void usesOnlyThePublicApiOfCore() {
        JavaClasses classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.clawgo.micrometer");
        noClasses().should().dependOnClassesThat().resideInAPackage("io.clawgo.internal..").check(classes);
    }
}
